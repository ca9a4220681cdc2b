import { describe, expect, it } from "vitest";
import { assertPasswordStrength, generatePassword, hashPassword, verifyPassword } from "./password.ts";

describe("console passwords", () => {
  it("hash with scrypt and a random salt, and verify", async () => {
    const a = await hashPassword("correct horse battery");
    const b = await hashPassword("correct horse battery");
    expect(a).toMatch(/^scrypt\$32768\$8\$1\$[\w-]+\$[\w-]+$/);
    expect(a).not.toBe(b);
    expect(await verifyPassword("correct horse battery", a)).toBe(true);
    expect(await verifyPassword("correct horse batterY", a)).toBe(false);
    expect(await verifyPassword("anything", "not-a-hash")).toBe(false);
  });

  it("refuses short passwords and ones containing the user name", () => {
    expect(() => assertPasswordStrength("short", "ann")).toThrow(/at least 10/);
    expect(() => assertPasswordStrength("my-Olivia-password", "olivia")).toThrow(/user name/);
    expect(() => assertPasswordStrength("a long enough one", "olivia")).not.toThrow();
  });

  it("generates readable 20-character passwords", () => {
    const p = generatePassword();
    expect(p).toMatch(/^[a-km-zA-HJ-NP-Z2-9]{20}$/);
    expect(generatePassword()).not.toBe(p);
  });
});
