// The channel overview's charts read cycles over time in buckets from PostgreSQL
// (date_bin): outcomes, durations, changes pushed, refusals and the backlog the last
// cycle of each bucket left. Real PostgreSQL, cycles written as the worker writes them.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { cycleHistory } from "../../lib/channels/cycle-history.ts";
import { getDb } from "../../lib/db/index.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

let db: Awaited<ReturnType<typeof useTestDatabase>>;
let channelId: number;
const now = new Date("2026-11-29T12:00:00Z");
const at = (minAgo: number) => new Date(now.getTime() - minAgo * 60_000);

beforeAll(async () => {
  db = await useTestDatabase();
  ({ id: channelId } = await applyChannelConfig({
    actor: "test",
    via: "test",
    config: {
      name: "history",
      connectionId: "history",
      active: false,
      source: { url: "ldap://127.0.0.1:1", bindDn: "cn=a", bindPassword: "x", baseDn: "dc=example,dc=com", filter: "(objectClass=person)" },
      target: { url: "http://127.0.0.1:1/scim/v2", auth: { type: "bearer", token: "t" } },
    },
  }));
  const prisma = await getDb();
  const cycle = (minAgo: number, sec: number, status: "SUCCESS" | "PARTIAL" | "FAILED", pushed: Record<string, number>, failed: number, dirty: number, failing: number) =>
    prisma.cycle.create({
      data: { channelId, kind: "scheduled", status, startedAt: at(minAgo), finishedAt: new Date(at(minAgo).getTime() + sec * 1000), stats: { pushed, failed, backlog: { dirty, failing } } },
    });
  // one bucket (20 min) with three cycles, another with one; one cycle outside 24 h
  await cycle(50, 2, "SUCCESS", { CREATE: 10, UPDATE: 2 }, 0, 5, 0);
  await cycle(45, 6, "PARTIAL", { UPDATE: 1 }, 3, 4, 3);
  await cycle(41, 1, "FAILED", {}, 0, 4, 3);
  await cycle(5, 4, "SUCCESS", { DISABLE: 1 }, 0, 0, 0);
  await cycle(25 * 60, 9, "SUCCESS", { CREATE: 99 }, 0, 0, 0);
  await prisma.cycle.create({ data: { channelId, kind: "scheduled", status: "RUNNING", startedAt: at(1) } });
});
afterAll(async () => db?.cleanup());

describe("cycle history", () => {
  it("buckets cycles by time: counts, outcomes, durations, pushes, refusals, and the backlog the last one left", async () => {
    const h = await cycleHistory({ channelId, range: "24h", now });
    expect(h.bucketMinutes).toBe(20);
    expect(h.buckets).toHaveLength(2);
    const [a, b] = h.buckets;
    expect(a).toMatchObject({ cycles: 3, failed: 1, partial: 1, maxSec: 6, avgSec: 3, pushed: 13, refused: 3, dirty: 4, failing: 3 });
    expect(b).toMatchObject({ cycles: 1, failed: 0, partial: 0, maxSec: 4, pushed: 1, refused: 0, dirty: 0, failing: 0 });
    expect(a!.at.getTime()).toBeLessThanOrEqual(at(50).getTime());
    // the week sees the older one too, in 2-hour buckets
    const w = await cycleHistory({ channelId, range: "7d", now });
    expect(w.buckets.reduce((s, x) => s + x.cycles, 0)).toBe(5);
    expect(w.buckets.reduce((s, x) => s + x.pushed, 0)).toBe(113);
  });
});
