import { describe, expect, it } from "vitest";
import { TargetClashError, targetKey } from "./target-claims.ts";

describe("targetKey", () => {
  it("is the same for one target written differently", () => {
    const k = targetKey("https://scim.example.com/v2");
    expect(targetKey("HTTPS://SCIM.Example.com:443/v2/")).toBe(k);
    expect(targetKey("https://user:pw@scim.example.com/v2?x=1#f")).toBe(k);
  });
  it("differs by path (two tenants on one host), port and scheme", () => {
    const k = targetKey("https://scim.example.com/t1/v2");
    expect(targetKey("https://scim.example.com/t2/v2")).not.toBe(k);
    expect(targetKey("https://scim.example.com:8443/t1/v2")).not.toBe(k);
    expect(targetKey("http://scim.example.com/t1/v2")).not.toBe(k);
    // the path's case is the target's
    expect(targetKey("https://scim.example.com/T1/v2")).not.toBe(k);
  });
});

describe("TargetClashError", () => {
  it("names the group, the other channel and its group", () => {
    const e = new TargetClashError("group", "Engineering", { channel: "EMEA", name: "engineering" });
    expect(e.message).toMatch(/^group "Engineering" at the target is held by channel "EMEA" \(its group "engineering"\)/);
    expect(e.message).toMatch(/members/);
  });
});
