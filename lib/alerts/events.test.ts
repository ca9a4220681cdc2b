import { describe, expect, it } from "vitest";
import { eventsOf } from "./events.ts";

const ch = (previous: string | null, state: string) => ({ previous, current: { state: state as never, reason: "r" } });

describe("eventsOf", () => {
  it("raises an event when a person needs to act, or no longer needs to", () => {
    expect(eventsOf(ch("healthy", "failing"))).toEqual(["failing"]);
    expect(eventsOf(ch(null, "failing"))).toEqual(["failing"]);
    expect(eventsOf(ch("failing", "quarantined"))).toEqual(["quarantined"]);
    expect(eventsOf(ch("quarantined", "healthy"))).toEqual(["quarantine-ended", "recovered"]);
    // released by hand and still failing: out of quarantine, not recovered, not "starts failing" again
    expect(eventsOf(ch("quarantined", "failing"))).toEqual(["quarantine-ended"]);
    expect(eventsOf(ch("healthy", "held"))).toEqual(["held"]);
    expect(eventsOf(ch("held", "healthy"))).toEqual(["recovered"]);
    expect(eventsOf(ch("degraded", "healthy"))).toEqual(["recovered"]);
  });
  it("stays quiet when nothing a person needs to know changed", () => {
    expect(eventsOf(ch("failing", "failing"))).toEqual([]);
    expect(eventsOf(ch(null, "healthy"))).toEqual([]);
    expect(eventsOf(ch("pending", "healthy"))).toEqual([]);
    expect(eventsOf(ch("healthy", "degraded"))).toEqual([]);
    expect(eventsOf(ch("healthy", "inactive"))).toEqual([]);
  });
});
