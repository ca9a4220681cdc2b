import { describe, expect, it } from "vitest";
import { governorLine } from "./governor-line.ts";

describe("governorLine", () => {
  it("says when nothing is configured and nothing happened", () => {
    expect(governorLine({ configured: undefined, state: null })).toBe("no rate limit set · no 429 lately");
  });

  it("gives the rate in force after 429s, the pause and the recent 429s", () => {
    const state = { factor: 0.7, pausedForMs: 1200, throttledRecent: 3, lastThrottledAt: new Date() };
    expect(governorLine({ configured: { requestsPerSecond: 50, writesPerMinute: 600 }, state })).toBe(
      "35 requests/s, 420 writes/min (slowed to 70% after 429s) · paused 2 s more · 3 × 429 in the last 5 min",
    );
  });

  it("shows a pause set by a 429 also where no rate is configured", () => {
    expect(governorLine({ configured: {}, state: { factor: 1, pausedForMs: 500, throttledRecent: 1, lastThrottledAt: null } })).toBe("no rate limit set · paused 1 s more · 1 × 429 in the last 5 min");
  });
});
