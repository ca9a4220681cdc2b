import { describe, expect, it } from "vitest";
import { entryFingerprint } from "./fingerprint.ts";

describe("entryFingerprint", () => {
  const dn = "uid=ann,ou=people,dc=example,dc=com";
  const attrs = { uid: ["ann"], mail: ["ann@example.com"], memberof: ["cn=a,dc=x", "cn=b,dc=x"] };

  it("is the same for the same entry, whatever the order of its attributes", () => {
    const reordered = { memberof: ["cn=a,dc=x", "cn=b,dc=x"], uid: ["ann"], mail: ["ann@example.com"] };
    expect(entryFingerprint(dn, reordered)).toBe(entryFingerprint(dn, attrs));
  });

  it("changes with any value, the order of values, a value split in two, the DN, or an attribute's name", () => {
    const base = entryFingerprint(dn, attrs);
    const variants = [
      entryFingerprint(dn, { ...attrs, mail: ["ann2@example.com"] }),
      entryFingerprint(dn, { ...attrs, memberof: ["cn=b,dc=x", "cn=a,dc=x"] }),
      entryFingerprint(dn, { ...attrs, uid: ["a", "nn"] }),
      entryFingerprint(dn, { ...attrs, uid: ["ann", ""] }),
      entryFingerprint(dn.replace("ann", "anne"), attrs),
      entryFingerprint(dn, { uid: ["ann"], email: ["ann@example.com"], memberof: attrs.memberof }),
      entryFingerprint(dn, { uid: ["ann"], mail: ["ann@example.com"] }),
    ];
    for (const v of variants) expect(v).not.toBe(base);
    expect(new Set(variants).size).toBe(variants.length);
  });

  it("tells apart 100,000 entries that differ in one character", () => {
    const seen = new Set<string>();
    for (let i = 0; i < 100_000; i++) seen.add(entryFingerprint(dn, { ...attrs, givenname: [`Given${i}`] }));
    expect(seen.size).toBe(100_000);
  });
});
