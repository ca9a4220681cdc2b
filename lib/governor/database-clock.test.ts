import { describe, expect, it } from "vitest";
import { DatabaseClock } from "./database-clock.ts";

describe("DatabaseClock", () => {
  it("takes the offset from the quickest round trip, not from the latest slow one", () => {
    const c = new DatabaseClock();
    // the database runs 1000 ms ahead; a 4 ms trip read its clock at the midpoint
    expect(c.toLocal(11_002, 10_000, 10_004)).toBe(10_002);
    // a slow trip (300 ms, read early in it): a naive midpoint would be 140 ms off
    expect(c.toLocal(11_510, 10_500, 10_800)).toBe(10_510);
  });

  it("re-learns after a minute, so a stepped clock is followed", () => {
    const c = new DatabaseClock();
    c.toLocal(11_002, 10_000, 10_004);
    // the local clock stepped back 500 ms (the database now 1500 ms ahead); a minute later
    // a slower trip is believed: with the old offset this would be 71_010
    expect(c.toLocal(72_010, 70_500, 70_520)).toBe(70_510);
  });
});
