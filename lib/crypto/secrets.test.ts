import { describe, expect, it, beforeAll } from "vitest";
import { randomBytes } from "node:crypto";
import { decryptSecret, encryptSecret, isEncrypted, maskSecret } from "./secrets.ts";
import { resetEnvCache } from "../env.ts";

beforeAll(() => {
  process.env.FERRY_SECRET_KEY = randomBytes(32).toString("base64");
  resetEnvCache();
});

describe("secrets", () => {
  it("round-trips and never stores the plain text", () => {
    const enc = encryptSecret("s3cret-token-value");
    expect(isEncrypted(enc)).toBe(true);
    expect(enc).not.toContain("s3cret");
    expect(decryptSecret(enc)).toBe("s3cret-token-value");
  });
  it("uses a fresh IV each time", () => {
    expect(encryptSecret("x")).not.toBe(encryptSecret("x"));
  });
  it("refuses a value that is already a stored secret instead of letting it through", () => {
    const enc = encryptSecret("abc");
    expect(() => encryptSecret(enc)).toThrow(/already a stored/);
  });
  it("masks", () => {
    expect(maskSecret("abcdefghijkl")).toBe("********kl");
    expect(maskSecret("short")).toBe("********");
    expect(maskSecret(encryptSecret("abcdefghijkl"))).toBe("********");
    expect(maskSecret("")).toBe("");
  });
});
