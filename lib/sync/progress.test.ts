import { describe, expect, it } from "vitest";
import { COUNT_COST_RATIO, LeftCounter } from "./progress.ts";

/** A count that answers `due` and takes `costMs` on the counter's clock (a test clock: no real time, no flakiness). */
function counter(due: () => number, costMs: number) {
  let counts = 0;
  let now = 0;
  const c = new LeftCounter(
    async () => {
      counts++;
      now += costMs;
      return due();
    },
    () => now,
  );
  return { c, counts: () => counts };
}

describe("what is left to push, counted as often as the count's cost allows", () => {
  it("a cheap count is taken at every report", async () => {
    let due = 100;
    const { c, counts } = counter(() => due, 0);
    expect(await c.left(0, { done: 0, recorded: 0, read: 0 }, 2000)).toBe(100);
    due = 60; // 40 answered and recorded
    expect(await c.left(2000, { done: 40, recorded: 40, read: 0 }, 2000)).toBe(60);
    expect(counts()).toBe(2);
  });

  it("a costly count is taken again only after COUNT_COST_RATIO times its cost; in between, left is the last count less what was answered since", async () => {
    let due = 1000;
    const { c, counts } = counter(() => due, 150);
    // 10 answered, 5 of them written to the store: the store still counts the other 5 as due
    expect(await c.left(0, { done: 10, recorded: 5, read: 0 }, 2000)).toBe(995);
    expect(counts()).toBe(1);
    // 2 s later: 150 ms x 30 = 4.5 s have not passed, so no count; 200 more answered
    due = 1;
    expect(await c.left(2000, { done: 210, recorded: 205, read: 0 }, 2000)).toBe(795);
    expect(counts()).toBe(1);
    // past 150 ms x COUNT_COST_RATIO: counted again, and the count is what is said
    due = 500;
    expect(await c.left(150 * COUNT_COST_RATIO + 100, { done: 400, recorded: 400, read: 0 }, 2000)).toBe(500);
    expect(counts()).toBe(2);
  });

  it("a read beside the push (a first load): each user read since the count is one more to create", async () => {
    const { c } = counter(() => 300, 150);
    expect(await c.left(0, { done: 0, recorded: 0, read: 300 }, 2000)).toBe(300);
    // 1,000 more read, 100 answered
    expect(await c.left(2000, { done: 100, recorded: 100, read: 1300 }, 2000)).toBe(1200);
    // the read ended: the users it read since the count still count; never below zero
    expect(await c.left(4000, { done: 200, recorded: 200, read: 1300 }, 2000)).toBe(1100);
    expect(await c.left(4200, { done: 5000, recorded: 5000, read: 1300 }, 2000)).toBe(0);
  });
});
