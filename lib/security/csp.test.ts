import { describe, expect, it } from "vitest";
import { newNonce, pageContentSecurityPolicy } from "./csp.ts";

describe("the console pages' Content-Security-Policy", () => {
  it("runs only scripts with this response's nonce (and what they load), never eval in production", () => {
    const nonce = newNonce();
    const policy = pageContentSecurityPolicy(nonce);
    expect(policy).toContain(`script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`);
    expect(policy).not.toMatch(/script-src[^;]*unsafe/);
    expect(policy).toContain("frame-ancestors 'none'");
    expect(policy).toContain("object-src 'none'");
    expect(pageContentSecurityPolicy(nonce, { dev: true })).toMatch(/script-src[^;]*'unsafe-eval'/);
  });

  it("makes a new 128-bit nonce each time", () => {
    const a = newNonce();
    expect(Buffer.from(a, "base64")).toHaveLength(16);
    expect(newNonce()).not.toBe(a);
  });
});
