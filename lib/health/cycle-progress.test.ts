import { describe, expect, it } from "vitest";
import { describeProgress, duration, type TCycleProgress } from "./cycle-progress.ts";

const p = (over: Partial<TCycleProgress>): TCycleProgress => ({ phases: [], read: 0, readAbout: null, pushed: 0, failed: 0, left: null, perSec: null, etaSec: null, at: "", ...over });

describe("describeProgress", () => {
  it("a first load: reading and pushing at once, of how many, how fast, how long", () => {
    const d = describeProgress(p({ phases: ["users.push", "users.read"], read: 42_000, pushed: 12_000, left: 30_000, perSec: 612.4, etaSec: 49 }));
    expect(d.text).toBe("pushing users and reading users, read 42,000 users, pushed 12,000 of 42,000, 612/s, about 49 s left");
    expect(d.percent).toBe(29);
  });
  it("a read of a known scope shows how far it is", () => {
    const d = describeProgress(p({ phases: ["users.read"], read: 50_000, readAbout: 100_000 }));
    expect(d).toEqual({ text: "reading users, read 50,000 of about 100,000 users", percent: 50 });
  });
  it("refusals are counted; slow rates keep a decimal", () => {
    expect(describeProgress(p({ phases: ["groups.push"], pushed: 10, failed: 3, left: 10, perSec: 2.5, etaSec: 4 })).text).toBe(
      "pushing groups, pushed 10 of 20 (3 refused), 2.5/s, about 4 s left",
    );
  });
  it("durations", () => {
    expect(duration(0.2)).toBe("1 s");
    expect(duration(125)).toBe("2 min");
    expect(duration(3 * 3600 + 20 * 60)).toBe("3 h 20 min");
  });
});
