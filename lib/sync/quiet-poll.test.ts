import { describe, expect, it } from "vitest";
import { channelSettingsFingerprint, pollMarkerOf, storeReasonToRun, type TPollRow } from "./quiet-poll.ts";

const now = Date.parse("2026-11-30T12:00:00Z");
const row = (over: Partial<TPollRow> = {}): TPollRow => ({
  id: 1,
  name: "c",
  source: { groupDn: "cn=app,dc=x" },
  target: {},
  mapping: {},
  options: { fullSyncIntervalSec: 3600 },
  attributeSyncTimestamp: "20261130115900Z",
  groupTimestamp: "20261130115900Z",
  lastFullSyncAt: new Date(now - 60_000),
  pollMarker: "csn:x|y",
  lastCycleAt: new Date(now - 30_000),
  leaseExpiresAt: null,
  changeFeed: "syncrepl",
  changeCookie: "rid=000,csn=x",
  ...over,
});

describe("storeReasonToRun", () => {
  it("leaves only the directory's marker to decide after a recent clean cycle", () => {
    expect(storeReasonToRun(row(), now, 600)).toBeNull();
  });
  it("runs the cycle for each thing the store shows", () => {
    expect(storeReasonToRun(row(), now, 0)).toMatch(/off/);
    expect(storeReasonToRun(row({ pollMarker: null }), now, 600)).toBe("the last cycle did not complete cleanly");
    expect(storeReasonToRun(row({ lastCycleAt: new Date(now - 600_000) }), now, 600)).toBe("no whole cycle for 600 s");
    expect(storeReasonToRun(row({ lastCycleAt: null }), now, 600)).toBe("no whole cycle for 600 s");
    expect(storeReasonToRun(row({ leaseExpiresAt: new Date(now + 5_000) }), now, 600)).toBe("a cycle holds the channel");
    expect(storeReasonToRun(row({ lastFullSyncAt: new Date(now - 3_600_000) }), now, 600)).toBe("a full read is due");
    expect(storeReasonToRun(row({ attributeSyncTimestamp: "1" }), now, 600)).toBe("a full read is due");
    expect(storeReasonToRun(row({ groupTimestamp: null }), now, 600)).toBe("a full read is due");
  });
});

describe("the poll marker", () => {
  it("holds the directory's marker and moves with any setting", () => {
    const r = row();
    expect(pollMarkerOf(null, r)).toBeNull();
    expect(pollMarkerOf("usn:12", r)).toBe(`usn:12|${channelSettingsFingerprint(r)}`);
    expect(channelSettingsFingerprint({ ...r, options: { fullSyncIntervalSec: 3601 } })).not.toBe(channelSettingsFingerprint(r));
    expect(channelSettingsFingerprint({ ...r, target: { url: "https://other" } })).not.toBe(channelSettingsFingerprint(r));
  });
});
