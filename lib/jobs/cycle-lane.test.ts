import { describe, expect, it } from "vitest";
import { laneOf, laneSlots, type TLaneRow } from "./cycle-lane.ts";

const now = Date.parse("2026-01-01T12:00:00Z");
const settled: TLaneRow = {
  source: { groupDn: "cn=app,ou=groups,dc=example,dc=com" },
  options: { fullSyncIntervalSec: 3600 },
  attributeSyncTimestamp: "20260101115900Z",
  groupTimestamp: "20260101110000Z",
  lastFullSyncAt: new Date(now - 600_000),
};

describe("laneOf", () => {
  it("keeps a settled channel's cycle in the incremental lane", () => {
    expect(laneOf(settled, now)).toBe("incremental");
  });
  it("sends first loads, resets and due reconciliations to the bulk lane", () => {
    expect(laneOf({ ...settled, attributeSyncTimestamp: null }, now)).toBe("bulk");
    expect(laneOf({ ...settled, attributeSyncTimestamp: "1" }, now)).toBe("bulk");
    expect(laneOf({ ...settled, groupTimestamp: null }, now)).toBe("bulk");
    expect(laneOf({ ...settled, lastFullSyncAt: new Date(now - 3600_000) }, now)).toBe("bulk");
    expect(laneOf({ ...settled, lastFullSyncAt: null }, now)).toBe("bulk");
  });
  it("never calls a reconciliation due when the interval is 0, nor a group reset without a group scope", () => {
    expect(laneOf({ ...settled, options: { fullSyncIntervalSec: 0 }, lastFullSyncAt: null }, now)).toBe("incremental");
    expect(laneOf({ ...settled, source: { filter: "(employeeType=staff)" }, groupTimestamp: null }, now)).toBe("incremental");
  });
  it("leaves a row it cannot read in the incremental lane (its cycle reports the bad configuration)", () => {
    expect(laneOf({ ...settled, options: { fullSyncIntervalSec: "often" } }, now)).toBe("incremental");
  });
});

describe("laneSlots", () => {
  it("keeps every slot the bulk lane does not take for incremental cycles", () => {
    expect(laneSlots({ FERRY_WORKER_CONCURRENCY: 6, FERRY_WORKER_BULK_CONCURRENCY: 2 })).toEqual({ incremental: 4, bulk: 2 });
  });
  it("refuses a bulk lane that would take every slot, naming both variables", () => {
    expect(() => laneSlots({ FERRY_WORKER_CONCURRENCY: 2, FERRY_WORKER_BULK_CONCURRENCY: 2 })).toThrow(/FERRY_WORKER_BULK_CONCURRENCY \(2\) must be less than FERRY_WORKER_CONCURRENCY \(2\)/);
  });
});
