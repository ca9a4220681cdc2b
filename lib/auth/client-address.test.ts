import { describe, expect, it } from "vitest";
import { clientAddress, normalizeAddress, trustedProxyList } from "./client-address.ts";

// the same parsing as lib/env.ts, without reading the process environment
async function proxies(text: string) {
  const { getEnv, resetEnvCache } = await import("../env.ts");
  const before = process.env.FERRY_TRUSTED_PROXIES;
  process.env.FERRY_TRUSTED_PROXIES = text;
  resetEnvCache();
  try {
    return trustedProxyList(getEnv().FERRY_TRUSTED_PROXIES);
  } finally {
    if (before === undefined) delete process.env.FERRY_TRUSTED_PROXIES;
    else process.env.FERRY_TRUSTED_PROXIES = before;
    resetEnvCache();
  }
}

describe("clientAddress", () => {
  it("is the socket's address when no proxy is trusted, whatever X-Forwarded-For says", async () => {
    const none = await proxies("");
    expect(clientAddress({ peer: "192.0.2.10", forwardedFor: "10.0.0.1" }, none)).toBe("192.0.2.10");
    expect(clientAddress({ peer: "::ffff:192.0.2.10", forwardedFor: "10.0.0.1" }, none)).toBe("192.0.2.10");
    expect(clientAddress({ peer: null, forwardedFor: "10.0.0.1" }, none)).toBeNull();
  });

  it("behind trusted proxies, is the right-most address that is not one of them", async () => {
    const list = await proxies("10.0.0.0/8, 2001:db8::/32 192.168.1.1");
    expect(clientAddress({ peer: "10.1.1.1", forwardedFor: "6.6.6.6, 198.51.100.4" }, list)).toBe("198.51.100.4");
    expect(clientAddress({ peer: "10.1.1.1", forwardedFor: "6.6.6.6, 198.51.100.4, 192.168.1.1, 10.9.9.9" }, list)).toBe("198.51.100.4");
    expect(clientAddress({ peer: "2001:db8::5", forwardedFor: "2001:DB8:1::7, [2001:db8::9]:443" }, list)).toBe("2001:db8:1::7");
    // every hop a proxy: the left-most is as far as anyone can tell
    expect(clientAddress({ peer: "10.1.1.1", forwardedFor: "10.2.2.2" }, list)).toBe("10.2.2.2");
    // nothing forwarded: the proxy itself
    expect(clientAddress({ peer: "10.1.1.1", forwardedFor: null }, list)).toBe("10.1.1.1");
    // a hop that is not an address ends the chain at the last trusted hop
    expect(clientAddress({ peer: "10.1.1.1", forwardedFor: "1.2.3.4, not-an-ip" }, list)).toBe("10.1.1.1");
    // a socket that is not a trusted proxy: its header is not read
    expect(clientAddress({ peer: "203.0.113.1", forwardedFor: "10.1.1.1, 198.51.100.4" }, list)).toBe("203.0.113.1");
  });

  it("FERRY_TRUSTED_PROXIES refuses what is not an address or a network", async () => {
    await expect(proxies("10.0.0.0/33")).rejects.toThrow(/10\.0\.0\.0\/33.*not an IP address or a CIDR network/);
    await expect(proxies("proxy.example.com")).rejects.toThrow(/proxy\.example\.com/);
  });

  it("normalizes what sockets and proxies write", () => {
    expect(normalizeAddress("::FFFF:127.0.0.1")).toBe("127.0.0.1");
    expect(normalizeAddress("127.0.0.1:5050")).toBe("127.0.0.1");
    expect(normalizeAddress("[::1]:80")).toBe("::1");
    expect(normalizeAddress("unknown")).toBeNull();
  });
});
