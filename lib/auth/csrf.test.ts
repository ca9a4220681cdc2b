import { beforeAll, describe, expect, it } from "vitest";
import { resetAuthEnvCache } from "./auth-env.ts";
import { resetAuthSecretCache } from "./auth-secret.ts";
import { csrfTokenFor, isSameOrigin, verifyCsrfToken } from "./csrf.ts";

const h = (o: Record<string, string>) => ({ get: (n: string) => o[n] ?? null });

beforeAll(() => {
  process.env.NEXTAUTH_SECRET = "a-unit-test-secret-that-is-long-enough-0123456789";
  resetAuthEnvCache();
  resetAuthSecretCache();
});

describe("CSRF tokens", () => {
  it("are bound to one session", () => {
    const t = csrfTokenFor("session-a");
    expect(verifyCsrfToken("session-a", t)).toBe(true);
    expect(verifyCsrfToken("session-b", t)).toBe(false);
    expect(verifyCsrfToken("session-a", null)).toBe(false);
    expect(verifyCsrfToken("session-a", t.slice(1))).toBe(false);
  });

  it("go with same-origin requests only", () => {
    expect(isSameOrigin(h({ host: "ferry.example.com" }))).toBe(true);
    expect(isSameOrigin(h({ host: "ferry.example.com", origin: "https://ferry.example.com", "sec-fetch-site": "same-origin" }))).toBe(true);
    expect(isSameOrigin(h({ host: "ferry.example.com", origin: "https://evil.example" }))).toBe(false);
    expect(isSameOrigin(h({ host: "ferry.example.com", "sec-fetch-site": "cross-site" }))).toBe(false);
    expect(isSameOrigin(h({ host: "ferry.example.com", origin: "null" }))).toBe(false);
  });
});
