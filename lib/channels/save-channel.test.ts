import { describe, expect, it } from "vitest";
import { fillSecrets } from "./save-channel.ts";

const stored = {
  source: { bindPassword: "enc:v1:stored-bind" },
  target: { auth: { type: "bearer", token: "enc:v1:stored-token" } },
};

describe("fillSecrets (console and API channel bodies)", () => {
  it("keeps stored secrets the form left out", () => {
    const out = fillSecrets({ source: { bindDn: "cn=x" }, target: { auth: { type: "bearer", token: "" } } }, stored);
    expect(out).toEqual({ source: { bindDn: "cn=x", bindPassword: "enc:v1:stored-bind" }, target: { auth: { type: "bearer", token: "enc:v1:stored-token" } } });
  });

  it("takes new values as given", () => {
    const out = fillSecrets({ source: { bindPassword: "new" }, target: { auth: { type: "bearer", token: "tok" } } }, stored);
    expect(out).toMatchObject({ source: { bindPassword: "new" }, target: { auth: { token: "tok" } } });
  });

  it("does not carry a secret across a change of auth type", () => {
    const out = fillSecrets({ target: { auth: { type: "basic", username: "u" } } }, stored);
    expect(out).toEqual({ target: { auth: { type: "basic", username: "u" } } });
  });

  it("refuses environment and file references and stored (encrypted) values", () => {
    expect(() => fillSecrets({ source: { bindPassword: { env: "NEXTAUTH_SECRET" } } }, null)).toThrow(/channel files only/);
    expect(() => fillSecrets({ source: { bindPassword: { file: "/etc/shadow" } } }, null)).toThrow(/channel files only/);
    expect(() => fillSecrets({ target: { auth: { type: "bearer", token: "enc:v1:abc" } } }, null)).toThrow(/not a stored/);
  });

  it("leaves a new channel's missing secret missing, for validation to name", () => {
    expect(fillSecrets({ source: { bindDn: "cn=x" } }, null)).toEqual({ source: { bindDn: "cn=x" } });
  });
});
