import { describe, expect, it } from "vitest";
import { channelHealth, cycleVerdict, quarantineAfter, recordBackoffSec, type THealthInput } from "./channel-health.ts";

const now = new Date("2026-11-29T12:00:00Z");
const input = (over: Partial<THealthInput> = {}): THealthInput => ({
  active: true,
  connectionActive: true,
  now,
  quarantineUntil: null,
  quarantineReason: null,
  held: 0,
  last: { verdict: "ok", message: "incremental read of 3 user(s)" },
  failingCycles: 0,
  ...over,
});

describe("cycleVerdict", () => {
  const facts = { status: "PARTIAL" as const, readFailed: false, pushStopped: false, fenced: false, pushed: 0, failed: 0, targetFailed: 0 };
  it("calls a target that refused the push as a whole, or every record, failing — not partial", () => {
    expect(cycleVerdict({ ...facts, pushStopped: true })).toBe("target-failed");
    expect(cycleVerdict({ ...facts, failed: 12, targetFailed: 12, pushed: 0 })).toBe("target-failed");
    // records refused for themselves (a 400 each) make a cycle partial, never failing
    expect(cycleVerdict({ ...facts, failed: 12, targetFailed: 0, pushed: 0 })).toBe("partial");
    expect(cycleVerdict({ ...facts, failed: 2, pushed: 10 })).toBe("partial");
  });
  it("tells a directory that cannot be read, an interrupted cycle and a clean one apart", () => {
    expect(cycleVerdict({ ...facts, status: "FAILED", readFailed: true })).toBe("directory-failed");
    expect(cycleVerdict({ ...facts, status: "FAILED", fenced: true })).toBe("interrupted");
    expect(cycleVerdict({ ...facts, status: "SUCCESS" })).toBe("ok");
  });
});

describe("channelHealth", () => {
  it("is inactive first, then quarantined, failing, held, degraded, healthy", () => {
    expect(channelHealth(input({ active: false, held: 1 })).state).toBe("inactive");
    expect(channelHealth(input({ quarantineUntil: new Date(now.getTime() + 1000), quarantineReason: "x" })).state).toBe("quarantined");
    expect(channelHealth(input({ quarantineUntil: new Date(now.getTime() - 1000) })).state).toBe("healthy");
    expect(channelHealth(input({ last: { verdict: "target-failed", message: "401" }, failingCycles: 3, held: 1 }))).toEqual({
      state: "failing",
      reason: "the target refuses the changes (3 cycles in a row): 401",
    });
    expect(channelHealth(input({ held: 1 })).state).toBe("held");
    expect(channelHealth(input({ last: { verdict: "partial", message: "2 record(s) not acknowledged" } })).state).toBe("degraded");
    expect(channelHealth(input({ last: null })).state).toBe("pending");
    expect(channelHealth(input()).state).toBe("healthy");
  });
});

describe("quarantine and record backoff", () => {
  it("quarantines after the configured failures, longer each time, capped", () => {
    const o = { quarantineAfterFailures: 3 };
    expect(quarantineAfter(2, o)).toBeNull();
    expect(quarantineAfter(3, o)).toEqual({ level: 0, seconds: 300 });
    expect(quarantineAfter(4, o)).toEqual({ level: 1, seconds: 900 });
    expect(quarantineAfter(40, o)).toEqual({ level: 3, seconds: 14_400 });
    expect(quarantineAfter(40, { quarantineAfterFailures: 0 })).toBeNull();
  });
  it("retries a refused record at the next cycle once, then waits 1, 2, 4 … minutes up to the cap", () => {
    expect([1, 2, 3, 4, 5].map((a) => recordBackoffSec(a, 3600))).toEqual([0, 60, 120, 240, 480]);
    expect(recordBackoffSec(30, 3600)).toBe(3600);
  });
});
