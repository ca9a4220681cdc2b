import { describe, expect, it } from "vitest";
import { diffChannelConfig } from "./config-diff.ts";

const sameSecret = (a: string, b: string) => a.replace(/#.*/, "") === b.replace(/#.*/, "");

describe("diffChannelConfig", () => {
  it("names each changed field with its value before and after", () => {
    const { changes } = diffChannelConfig(
      { name: "a", source: { baseDn: "ou=people,dc=x", filter: null }, options: { maxDeprovisionPercent: 10 } },
      { name: "a", source: { baseDn: "ou=staff,dc=x", filter: null }, options: { maxDeprovisionPercent: 25, createUsers: true } },
      { sameSecret },
    );
    expect(changes).toEqual([
      { field: "options.createUsers", from: null, to: true },
      { field: "options.maxDeprovisionPercent", from: 10, to: 25 },
      { field: "source.baseDn", from: "ou=people,dc=x", to: "ou=staff,dc=x" },
    ]);
  });

  it("never shows a secret: changed, set and removed, masked", () => {
    const { changes } = diffChannelConfig(
      { source: { bindPassword: "enc:v1:S3CRET-old#1" }, target: { auth: { type: "bearer", token: "enc:v1:S3CRET-tok#1" } } },
      { source: { bindPassword: "enc:v1:S3CRET-new#2" }, target: { auth: { type: "oauth2", clientSecret: "enc:v1:S3CRET-cs#1" } } },
      { sameSecret },
    );
    expect(changes).toEqual([
      { field: "source.bindPassword", secret: "changed", from: "********", to: "********" },
      { field: "target.auth.clientSecret", secret: "set", from: "", to: "********" },
      { field: "target.auth.token", secret: "removed", from: "********", to: "" },
      { field: "target.auth.type", from: "bearer", to: "oauth2" },
    ]);
    expect(JSON.stringify(changes)).not.toMatch(/enc:v1|S3CRET/);
  });

  it("a secret encrypted again with the same value is no change", () => {
    const { changes } = diffChannelConfig({ source: { bindPassword: "enc:v1:pw#1" } }, { source: { bindPassword: "enc:v1:pw#2" } }, { sameSecret });
    expect(changes).toEqual([]);
  });

  it("masks a field named like a secret even when it is not encrypted", () => {
    const { changes } = diffChannelConfig({ target: { auth: { password: "plain-1" } } }, { target: { auth: { password: "plain-2" } } }, { sameSecret: () => false });
    expect(changes).toEqual([{ field: "target.auth.password", secret: "changed", from: "********", to: "********" }]);
  });

  it("shortens long values and compares arrays whole", () => {
    const long = "x".repeat(1000);
    const { changes } = diffChannelConfig({ mapping: { user: { emails: ["a"] } }, source: { filter: "" } }, { mapping: { user: { emails: ["a", "b"] } }, source: { filter: long } }, { sameSecret });
    expect(changes[0]).toEqual({ field: "mapping.user.emails", from: ["a"], to: ["a", "b"] });
    expect(String((changes[1] as { to: unknown }).to)).toMatch(/… \(1000 characters\)$/);
  });
});
