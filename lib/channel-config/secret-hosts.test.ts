import { describe, expect, it } from "vitest";
import type { TEncryptedSecret } from "../crypto/secret-types.ts";
import { keepStoredSecret, originOf, type TSettingsUrls } from "./secret-hosts.ts";
import type { TStoredParts } from "./stored.ts";

const enc = (s: string) => `enc:v1:${s}` as TEncryptedSecret;
const stored = {
  source: { url: "ldap://dir.example.com", bindPassword: enc("bind") },
  target: { url: "https://app.example.com/scim/v2", auth: { type: "oauth2", tokenUrl: "https://idp.example.com/token", clientId: "c", clientSecret: enc("client") } },
} as unknown as TStoredParts;
const settings = (change: (c: { source: { url: string }; target: { url: string; auth: { type: string; tokenUrl?: string } } }) => void = () => undefined): TSettingsUrls => {
  const c = { source: { url: "ldap://dir.example.com" }, target: { url: "https://app.example.com/scim/v2", auth: { type: "oauth2", tokenUrl: "https://idp.example.com/token" } } };
  change(c);
  return c;
};
const KEEP = { keep: true } as const;

describe("originOf", () => {
  it("is scheme, host and port, the default port written out and the host in lower case", () => {
    expect(originOf("ldap://DIR.example.com")).toBe("ldap://dir.example.com:389");
    expect(originOf("ldaps://dir.example.com:636/")).toBe("ldaps://dir.example.com:636");
    expect(originOf("https://App.example.com/scim/v2?x=1")).toBe("https://app.example.com:443");
    expect(originOf("http://[::1]:8080/scim")).toBe("http://[::1]:8080");
    expect(originOf("not a url")).toBeNull();
  });
});

describe("keepStoredSecret", () => {
  it("keeps a stored secret where it was stored, whatever the path", () => {
    expect(keepStoredSecret("target.auth.clientSecret", KEEP, settings((c) => (c.target.url = "https://APP.example.com:443/other")), stored)).toEqual({ ok: true, secret: enc("client") });
    expect(keepStoredSecret("source.bindPassword", KEEP, settings(), stored)).toEqual({ ok: true, secret: enc("bind") });
  });

  it("refuses a stored secret for a new scheme, host or port of any URL it is sent to, naming the secret", () => {
    const bind = keepStoredSecret("source.bindPassword", KEEP, settings((c) => (c.source.url = "ldaps://dir.example.com")), stored);
    expect(bind.ok).toBe(false);
    expect(!bind.ok && bind.message).toMatch(/^source\.bindPassword: .*ldap:\/\/dir\.example\.com:389.*source\.url now points to ldaps:\/\/dir\.example\.com:636: enter it again/);
    const token = keepStoredSecret("target.auth.clientSecret", KEEP, settings((c) => (c.target.auth.tokenUrl = "https://evil.example.net/token")), stored);
    expect(!token.ok && token.message).toMatch(/^target\.auth\.clientSecret: .*target\.auth\.tokenUrl now points to https:\/\/evil\.example\.net:443/);
    // the access token the client secret buys goes to the target
    const target = keepStoredSecret("target.auth.clientSecret", KEEP, settings((c) => (c.target.url = "https://app.example.com:8443/scim")), stored);
    expect(!target.ok && target.message).toMatch(/^target\.auth\.clientSecret: .*target\.url now points/);
  });

  it("has nothing to keep for a new channel or another kind of authentication", () => {
    expect(keepStoredSecret("source.bindPassword", KEEP, settings(), null)).toMatchObject({ ok: false, message: expect.stringMatching(/^source\.bindPassword: there is no stored secret to keep/) });
    expect(keepStoredSecret("target.auth.token", KEEP, settings((c) => (c.target.auth = { type: "bearer" })), stored)).toMatchObject({ ok: false, message: expect.stringMatching(/^target\.auth\.token: there is no stored secret/) });
  });

  it("takes a stored value named in a channel file only if it is this channel's own", () => {
    expect(keepStoredSecret("source.bindPassword", { stored: enc("bind") }, settings(), stored)).toEqual({ ok: true, secret: enc("bind") });
    expect(keepStoredSecret("source.bindPassword", { stored: enc("other") }, settings(), stored)).toMatchObject({
      ok: false,
      message: expect.stringMatching(/^source\.bindPassword: an encrypted value can only be this channel's own/),
    });
    expect(keepStoredSecret("source.bindPassword", { stored: enc("bind") }, settings(), null)).toMatchObject({ ok: false });
  });
});
