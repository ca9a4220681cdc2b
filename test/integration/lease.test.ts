// The channel lease against the real database: one holder at a time, expiry on the
// database's clock, and a fenced holder cannot write after losing it.
import { getEventListeners } from "node:events";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { getDb } from "../../lib/db/index.ts";
import { resetGroupTimestamp } from "../../lib/channels/reset-group-timestamp.ts";
import { FencedError, Lease, LeaseHeldError } from "../../lib/sync/lease.ts";
import { runCycle } from "../../lib/sync/run-cycle.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

let db: Awaited<ReturnType<typeof useTestDatabase>>;
let channelId: number;

beforeAll(async () => {
  db = await useTestDatabase();
  ({ id: channelId } = await applyChannelConfig({
    actor: "t",
    via: "test",
    config: {
      name: "lease",
      connectionId: "lease",
      source: { url: "ldap://127.0.0.1:1", bindDn: "cn=x,dc=x", bindPassword: "x", baseDn: "dc=x", filter: "(uid=*)" },
      target: { url: "http://127.0.0.1:1/scim", auth: { type: "bearer", token: "x" } },
    },
  }));
});
afterAll(async () => {
  await db?.cleanup();
});

describe("channel lease", () => {
  it("has one holder; a second is refused while it lasts", async () => {
    const prisma = await getDb();
    const a = await Lease.acquire({ db: prisma, channelId, nodeId: 1, durationSec: 30 });
    await expect(Lease.acquire({ db: prisma, channelId, nodeId: 2, durationSec: 30 })).rejects.toThrow(/already running on node 1/);
    // its own error, not a CONFLICT: the worker retries a held lease in seconds, and nothing else
    await expect(Lease.acquire({ db: prisma, channelId, nodeId: 2, durationSec: 30 })).rejects.toSatisfy((e) => e instanceof LeaseHeldError && e.code === "CYCLE_RUNNING");
    await a.release();
    const b = await Lease.acquire({ db: prisma, channelId, nodeId: 2, durationSec: 30 });
    expect(b.token).toBeGreaterThan(a.token);
    await b.release();
  });

  it("fences a holder whose lease expired and was taken: no write, no send", async () => {
    const prisma = await getDb();
    const a = await Lease.acquire({ db: prisma, channelId, nodeId: 1, durationSec: 1 });
    await new Promise((r) => setTimeout(r, 1200)); // a pause longer than the lease
    const b = await Lease.acquire({ db: prisma, channelId, nodeId: 2, durationSec: 30 });
    await expect(
      a.write((tx) => tx.$executeRawUnsafe(`UPDATE channel SET last_cycle_message = 'written by the old holder' WHERE id = $1`, channelId)),
    ).rejects.toBeInstanceOf(FencedError);
    await expect(a.guard()).rejects.toBeInstanceOf(FencedError);
    const ch = await prisma.channel.findUniqueOrThrow({ where: { id: channelId } });
    expect(ch.lastCycleMessage).not.toBe("written by the old holder");
    await b.write((tx) => tx.$executeRawUnsafe(`UPDATE channel SET last_cycle_message = 'new holder' WHERE id = $1`, channelId));
    expect((await prisma.channel.findUniqueOrThrow({ where: { id: channelId } })).lastCycleMessage).toBe("new holder");
    await b.release();
  });

  it("a write in flight delays the next holder's takeover instead of slipping past it", async () => {
    const prisma = await getDb();
    const a = await Lease.acquire({ db: prisma, channelId, nodeId: 1, durationSec: 1 });
    let taken = 0;
    const slowWrite = a.write(async (tx) => {
      await tx.$executeRawUnsafe(`SELECT pg_sleep(1.5)`);
      await tx.$executeRawUnsafe(`UPDATE channel SET last_cycle_message = 'slow' WHERE id = $1`, channelId);
      return Date.now();
    });
    await new Promise((r) => setTimeout(r, 1100));
    // a's lease has expired on the clock, but its write holds the channel row
    const b = await Lease.acquire({ db: prisma, channelId, nodeId: 2, durationSec: 30 }).then((l) => {
      taken = Date.now();
      return l;
    });
    const written = await slowWrite;
    expect(taken).toBeGreaterThanOrEqual(written - 50);
    await b.release();
  });

  it("an operator's reset fences the cycle running at that moment, so the cycle cannot undo it", async () => {
    const prisma = await getDb();
    const a = await Lease.acquire({ db: prisma, channelId, nodeId: 1, durationSec: 30 });
    await resetGroupTimestamp({ channelId, actor: "op", via: "test" });
    await expect(
      a.write((tx) => tx.channel.update({ where: { id: channelId }, data: { groupTimestamp: "stale value read before the reset" } })),
    ).rejects.toThrow(/lost the lease .*an operator reset the channel/);
    expect((await prisma.channel.findUniqueOrThrow({ where: { id: channelId } })).groupTimestamp).toBeNull();
  });

  it("a cycle whose lease ran out is marked ABORTED by the cycle that takes the channel over", async () => {
    const prisma = await getDb();
    // a manual run (no node) killed mid-cycle: its row says RUNNING and its lease runs out
    const dead = await Lease.acquire({ db: prisma, channelId, durationSec: 1 });
    const orphan = await prisma.cycle.create({ data: { channelId, kind: "manual", status: "RUNNING" } });
    await new Promise((r) => setTimeout(r, 1200));
    const r = await runCycle({ channelId, nodeId: 2, trigger: "test", force: true });
    expect(r.cycleId).not.toBe(orphan.id);
    const after = await prisma.cycle.findUniqueOrThrow({ where: { id: orphan.id } });
    expect(after.status).toBe("ABORTED");
    expect(after.finishedAt).not.toBeNull();
    expect(after.message).toBe(`aborted: its lease ran out (the process running it died, froze or lost the database) and cycle #${r.cycleId} on node 2 took the channel over`);
    void dead;
  });

  it("cycles leave nothing on the node's abort signal, which outlives them all", async () => {
    const node = new AbortController();
    for (let i = 0; i < 3; i++) await runCycle({ channelId, nodeId: 1, trigger: "test", force: true, signal: node.signal });
    expect(getEventListeners(node.signal, "abort")).toHaveLength(0);
  });

  it("an aborted cycle stops at its next batch", async () => {
    const prisma = await getDb();
    const ctl = new AbortController();
    const a = await Lease.acquire({ db: prisma, channelId, nodeId: 1, durationSec: 30, signal: ctl.signal });
    ctl.abort("node put in FAILOVER");
    await expect(a.guard()).rejects.toThrow(/node put in FAILOVER/);
    await a.release();
  });
});
