import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { decryptSecret, encryptSecret } from "../crypto/secrets.ts";
import { resetEnvCache } from "../env.ts";
import { AppError } from "../errors.ts";
import { ZChannelEdit, ZChannelFile } from "./config.ts";
import { resolveChannel, resolveTestSource, resolveTestTarget } from "./resolve.ts";
import type { TStoredParts } from "./stored.ts";

beforeAll(() => {
  process.env.FERRY_SECRET_KEY = randomBytes(32).toString("base64");
  resetEnvCache();
});

const source = { url: "ldap://dir.example.com", bindDn: "cn=ferry,dc=example,dc=com", baseDn: "dc=example,dc=com", filter: "(objectClass=person)" };
const target = { url: "https://app.example.com/scim/v2" };
const edit = (over: { source?: object; auth?: object } = {}) =>
  ZChannelEdit.parse({ name: "c", connectionId: "c", source: { ...source, ...over.source }, target: { ...target, auth: over.auth ?? { type: "bearer" } } });

let stored: TStoredParts;
beforeAll(() => {
  stored = { source: null, target: null };
  const cfg = resolveChannel(edit({ source: { bindPassword: "stored-bind" }, auth: { type: "bearer", token: "stored-token" } }), null);
  stored = { source: cfg.source, target: cfg.target };
});

/** The issues of an INVALID_CONFIG thrown by `f`, by path. */
function refused(f: () => unknown): Record<string, string> {
  try {
    f();
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    const issues = (err.details?.issues ?? []) as Array<{ path: string; message: string }>;
    return Object.fromEntries(issues.map((i) => [i.path, i.message]));
  }
  throw new Error("not refused");
}

describe("an edit's secrets: keep or replace", () => {
  it("keeps the stored secrets an edit leaves out, gives as { keep: true } or leaves empty", () => {
    for (const kept of [undefined, { keep: true }, ""]) {
      const cfg = resolveChannel(edit({ source: { bindPassword: kept }, auth: { type: "bearer", token: kept } }), stored);
      expect(cfg.source.bindPassword).toBe(stored.source?.bindPassword);
      expect(cfg.target.auth).toEqual(stored.target?.auth);
    }
  });

  it("encrypts new values as given", () => {
    const cfg = resolveChannel(edit({ source: { bindPassword: "new bind" }, auth: { type: "bearer", token: "tok" } }), stored);
    expect(decryptSecret(cfg.source.bindPassword)).toBe("new bind");
    expect(cfg.target.auth.type === "bearer" && decryptSecret(cfg.target.auth.token)).toBe("tok");
  });

  it("does not carry a secret across a change of authentication type", () => {
    expect(refused(() => resolveChannel(edit({ auth: { type: "basic", username: "u" } }), stored))).toEqual({
      "target.auth.password": expect.stringMatching(/there is no stored secret to keep/),
    });
  });

  it("names every secret a new channel leaves out", () => {
    expect(Object.keys(refused(() => resolveChannel(edit(), null)))).toEqual(["source.bindPassword", "target.auth.token"]);
  });

  it("is a value or { keep: true }: environment and file references, stored values and anything else are refused where the body is parsed", () => {
    const problem = (bindPassword: unknown) => ZChannelEdit.safeParse({ name: "c", connectionId: "c", source: { ...source, bindPassword }, target: { ...target, auth: { type: "bearer" } } }).error?.issues[0]?.message;
    expect(problem({ env: "NEXTAUTH_SECRET" })).toMatch(/environment and file references are for channel files only/);
    expect(problem({ file: "/etc/shadow" })).toMatch(/environment and file references are for channel files only/);
    expect(problem(encryptSecret("x"))).toMatch(/not a stored \(encrypted\) one/);
    expect(problem({ keep: false })).toMatch(/or \{ keep: true \}/);
  });
});

describe("a channel file's secrets", () => {
  const file = (bindPassword: unknown) => ZChannelFile.parse({ name: "c", connectionId: "c", source: { ...source, bindPassword }, target: { ...target, auth: { type: "bearer", token: "t" } } });

  it("reads { env } and { file }, and refuses one that holds a stored (encrypted) value", () => {
    process.env.FERRY_TEST_BIND = "from-env";
    expect(decryptSecret(resolveChannel(file({ env: "FERRY_TEST_BIND" }), null).source.bindPassword)).toBe("from-env");
    process.env.FERRY_TEST_BIND = stored.source?.bindPassword ?? "";
    expect(refused(() => resolveChannel(file({ env: "FERRY_TEST_BIND" }), stored))).toEqual({
      "source.bindPassword": expect.stringMatching(/environment variable FERRY_TEST_BIND must hold the secret's value: .*not a stored/),
    });
    expect(refused(() => resolveChannel(file({ env: "FERRY_TEST_UNSET" }), null))["source.bindPassword"]).toMatch(/FERRY_TEST_UNSET is not set/);
  });

  it("keeps a stored value only if it is this channel's own", () => {
    const own = stored.source?.bindPassword;
    expect(resolveChannel(file(own), stored).source.bindPassword).toBe(own);
    expect(refused(() => resolveChannel(file(own), null))["source.bindPassword"]).toMatch(/can only be this channel's own/);
  });
});

describe("connection tests", () => {
  it("connect with a typed secret as typed, never encrypted, and with a kept one as stored", () => {
    const typed = resolveTestSource(edit({ source: { bindPassword: "typed" } }).source, undefined, stored);
    expect(typed.source.bindPassword).toBe("typed");
    expect(typed.userMapping.userName).toBe("uid");
    expect(resolveTestSource(edit().source, undefined, stored).source.bindPassword).toBe(stored.source?.bindPassword);
    expect(resolveTestTarget(edit({ auth: { type: "bearer", token: "typed" } }).target, null).auth).toEqual({ type: "bearer", token: "typed" });
  });

  it("keep a stored secret only for its own host", () => {
    expect(refused(() => resolveTestSource(edit({ source: { url: "ldap://elsewhere.example.net" } }).source, undefined, stored))).toEqual({
      "source.bindPassword": expect.stringMatching(/enter it again/),
    });
  });
});

describe("options decided by the directory type", () => {
  const withOptions = (directoryType: string, options: object = {}) =>
    ZChannelEdit.parse({
      name: "c",
      connectionId: "c",
      source: { ...source, directoryType, bindPassword: "b" },
      target: { ...target, auth: { type: "bearer", token: "t" } },
      options,
    });

  it("flattens nested groups for Active Directory and keeps direct members for the others, unless the channel says", () => {
    expect(resolveChannel(withOptions("active-directory"), null).options.nestedGroups).toBe("flatten");
    expect(resolveChannel(withOptions("openldap"), null).options.nestedGroups).toBe("direct");
    expect(resolveChannel(withOptions("389ds"), null).options.nestedGroups).toBe("direct");
    expect(resolveChannel(withOptions("active-directory", { nestedGroups: "direct" }), null).options.nestedGroups).toBe("direct");
    expect(resolveChannel(withOptions("openldap", { nestedGroups: "flatten" }), null).options.nestedGroups).toBe("flatten");
  });

  it("enforces attributes and removes disabled users' memberships by default", () => {
    const o = resolveChannel(withOptions("openldap"), null).options;
    expect(o.enforceUserAttributes).toBe(true);
    expect(o.deprovisionedMemberships).toBe("remove");
    expect(() => withOptions("openldap", { deprovisionedMemberships: "drop" })).toThrow();
    expect(() => withOptions("openldap", { nestedGroups: true })).toThrow();
  });
});
