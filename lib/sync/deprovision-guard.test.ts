import { describe, expect, it } from "vitest";
import { allowedWithoutApproval, guardDeprovisioning, type TGuardInput } from "./deprovision-guard.ts";

const options = { maxDeprovisionPercent: 20, deprovisionGuardMinimum: 3 };
const input = (over: Partial<TGuardInput>): TGuardInput => ({ kind: "users", awaiting: 0, approved: 0, base: 100, inScope: 90, options, ...over });

describe("the deprovisioning guard", () => {
  it("has nothing to decide when nothing awaits", () => {
    expect(guardDeprovisioning(input({ awaiting: 0 }))).toEqual({ verdict: "nothing" });
  });

  it("releases what stays within the percentage or the minimum", () => {
    expect(guardDeprovisioning(input({ awaiting: 20 }))).toEqual({ verdict: "release", count: 20 });
    // 3 of 4 is 75%, but at most the minimum always goes
    expect(guardDeprovisioning(input({ awaiting: 3, base: 4, inScope: 1 }))).toEqual({ verdict: "release", count: 3 });
  });

  it("holds what goes beyond both, and says how much", () => {
    const v = guardDeprovisioning(input({ awaiting: 21 }));
    expect(v).toMatchObject({ verdict: "hold", held: 21, releaseApproved: 0, rule: "percent" });
    if (v.verdict === "hold") expect(v.reason).toBe("21 of 100 provisioned users (21%) would be deprovisioned, above the channel's limit of 20%");
  });

  it("holds an empty scope whatever the limits, even at 100%", () => {
    const v = guardDeprovisioning(input({ awaiting: 2, base: 2, inScope: 0, options: { maxDeprovisionPercent: 100, deprovisionGuardMinimum: 10 } }));
    expect(v).toMatchObject({ verdict: "hold", rule: "empty-scope", held: 2 });
    if (v.verdict === "hold") expect(v.reason).toBe("directory returned no users in scope where 2 were known");
  });

  it("holds more than maxDeprovisionCount at once whatever the share, and says so", () => {
    const big = { ...options, maxDeprovisionPercent: 50, maxDeprovisionCount: 500 };
    // 501 of 100,000 is half a percent: within the share, above the count
    const v = guardDeprovisioning(input({ awaiting: 501, base: 100_000, inScope: 99_499, options: big }));
    expect(v).toMatchObject({ verdict: "hold", held: 501, rule: "count" });
    if (v.verdict === "hold") expect(v.reason).toBe("501 of 100000 provisioned users would be deprovisioned at once, above the channel's limit of 500");
    expect(guardDeprovisioning(input({ awaiting: 500, base: 100_000, inScope: 99_500, options: big }))).toEqual({ verdict: "release", count: 500 });
    // 0: no count limit
    expect(guardDeprovisioning(input({ awaiting: 501, base: 100_000, inScope: 99_499, options: { ...big, maxDeprovisionCount: 0 } }))).toEqual({ verdict: "release", count: 501 });
    // approved records are not counted against it
    expect(guardDeprovisioning(input({ awaiting: 900, approved: 600, base: 100_000, inScope: 99_000, options: big }))).toEqual({ verdict: "release", count: 900 });
  });

  it("releases an approved set, and only counts what nobody approved against the limits", () => {
    expect(guardDeprovisioning(input({ awaiting: 60, approved: 60, inScope: 0 }))).toEqual({ verdict: "release", count: 60 });
    // 60 approved, 5 more since: 5 is within the limit, all 65 go
    expect(guardDeprovisioning(input({ awaiting: 65, approved: 60 }))).toEqual({ verdict: "release", count: 65 });
    // 60 approved, 30 more since: the 30 are held, the 60 go
    expect(guardDeprovisioning(input({ awaiting: 90, approved: 60 }))).toMatchObject({ verdict: "hold", held: 30, releaseApproved: 60 });
  });

  it("never releases more without an approval than allowedWithoutApproval says", () => {
    const wrong: unknown[] = [];
    for (let base = 1; base <= 60; base++) {
      for (let awaiting = 1; awaiting <= base; awaiting++) {
        for (const inScope of [0, 1]) {
          for (const o of [
            options,
            { maxDeprovisionPercent: 0, deprovisionGuardMinimum: 0 },
            { maxDeprovisionPercent: 100, deprovisionGuardMinimum: 0 },
            { maxDeprovisionPercent: 100, deprovisionGuardMinimum: 0, maxDeprovisionCount: 7 },
            { maxDeprovisionPercent: 40, deprovisionGuardMinimum: 12, maxDeprovisionCount: 5 },
          ]) {
            const v = guardDeprovisioning({ kind: "users", awaiting, approved: 0, base, inScope, options: o });
            const released = v.verdict === "release" ? v.count : 0;
            if (released > allowedWithoutApproval(base, o) || (inScope === 0 && released > 0)) wrong.push({ base, awaiting, inScope, o, v });
          }
        }
      }
    }
    expect(wrong).toEqual([]);
  });
});
