import { describe, expect, it } from "vitest";
import { assertSecretsStayHome, originOf } from "./secret-hosts.ts";

const stored = {
  source: { url: "ldap://dir.example.com", bindPassword: "enc:v1:bind" },
  target: { url: "https://app.example.com/scim/v2", auth: { type: "oauth2", tokenUrl: "https://idp.example.com/token", clientId: "c", clientSecret: "enc:v1:client" } },
};
const keep = (change: (c: typeof stored) => void = () => undefined) => {
  const c = structuredClone(stored);
  change(c);
  return c;
};

describe("originOf", () => {
  it("is scheme, host and port, the default port written out and the host in lower case", () => {
    expect(originOf("ldap://DIR.example.com")).toBe("ldap://dir.example.com:389");
    expect(originOf("ldaps://dir.example.com:636/")).toBe("ldaps://dir.example.com:636");
    expect(originOf("https://App.example.com/scim/v2?x=1")).toBe("https://app.example.com:443");
    expect(originOf("http://[::1]:8080/scim")).toBe("http://[::1]:8080");
    expect(originOf("not a url")).toBeNull();
  });
});

describe("assertSecretsStayHome", () => {
  it("lets a stored secret stay where it was stored, whatever the path", () => {
    expect(() => assertSecretsStayHome(keep((c) => (c.target.url = "https://APP.example.com:443/other")), stored)).not.toThrow();
  });

  it("refuses a stored secret for a new scheme, host or port of any URL it is sent to, naming the secret", () => {
    expect(() => assertSecretsStayHome(keep((c) => (c.source.url = "ldaps://dir.example.com")), stored)).toThrow(/source\.bindPassword: .*ldap:\/\/dir\.example\.com:389.*source\.url now points to ldaps:\/\/dir\.example\.com:636: enter it again/);
    expect(() => assertSecretsStayHome(keep((c) => (c.target.auth.tokenUrl = "https://evil.example.net/token")), stored)).toThrow(/target\.auth\.clientSecret/);
    // the access token the client secret buys goes to the target
    expect(() => assertSecretsStayHome(keep((c) => (c.target.url = "https://app.example.com:8443/scim")), stored)).toThrow(/target\.auth\.clientSecret/);
  });

  it("takes secrets given again (values, env or file references) wherever they go", () => {
    const given = keep((c) => {
      c.source = { url: "ldap://elsewhere", bindPassword: "typed-again" };
      c.target.url = "https://elsewhere";
      (c.target.auth as Record<string, unknown>).clientSecret = { env: "CLIENT_SECRET" };
    });
    expect(() => assertSecretsStayHome(given, stored)).not.toThrow();
  });

  it("refuses an encrypted value that is not this channel's own stored secret", () => {
    expect(() => assertSecretsStayHome(keep((c) => (c.source.bindPassword = "enc:v1:other")), stored)).toThrow(/source\.bindPassword: an encrypted value can only be this channel's own/);
    expect(() => assertSecretsStayHome(stored, null)).toThrow(/source\.bindPassword/);
  });
});
