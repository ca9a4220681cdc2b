// Many channels on one node: two first loads of big channels running at once do not hold
// back a small channel's incremental cycles (issue 17). The big loads are made long by a
// slow target (every create waits), which bounds them from below whatever the machine's
// speed: the assertions are about order (the small channel's change is at its target, and
// it has run cycles, while both loads are still running), never about a wall-clock time.
// With one pool of two slots for every cycle, as before the lanes, both slots hold a load
// and the small channel's change waits for one of them to end.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { getDb } from "../../lib/db/index.ts";
import { startScimmy } from "../../devkit/scim-scimmy.ts";
import type { ScimService } from "../../devkit/scim-service.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { startWorker } from "../helpers/worker-process.ts";

/** users per big channel, and how long the slow target holds each create: a load takes at least their product */
const BIG_USERS = 60;
const CREATE_DELAY_MS = 1_000;

type TBig = { id: number; scim: ScimService; proxy: FaultProxy };
let w: TWorld;
const big: TBig[] = [];

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    configure: (c) => {
      c.syncFrequencySec = 1;
      c.options = { ...c.options, provisionGroups: false };
    },
  });
  for (const name of ["big-a", "big-b"]) {
    const dns: string[] = [];
    for (let i = 0; i < BIG_USERS; i++) dns.push(await w.slapd.addUser({ uid: `${name}-${i}`, givenName: "Big", sn: `${i}`, mail: `${name}-${i}@example.com` }));
    const groupDn = await w.slapd.addGroup(name, dns);
    const scim = await startScimmy();
    const proxy = await startFaultProxy(scim.baseUrl);
    const { id } = await applyChannelConfig({
      actor: "test",
      via: "test",
      config: {
        ...w.channelConfig,
        name,
        connectionId: name,
        source: { ...w.channelConfig.source, groupDn },
        target: { url: proxy.baseUrl, auth: { type: "bearer", token: scim.token }, maxRetries: 2, maxConcurrency: 1 },
      },
    });
    big.push({ id, scim, proxy });
  }
});
afterAll(async () => {
  for (const b of big) {
    await b.proxy.stop().catch(() => undefined);
    await b.scim.stop().catch(() => undefined);
  }
  await w?.stop();
});

async function runningCycle(channelId: number) {
  return (await getDb()).cycle.findFirst({ where: { channelId, status: "RUNNING" }, orderBy: { id: "desc" } });
}

describe("fairness between channels on one node", () => {
  it("runs a small channel's incremental cycles while two big first loads hold the long-work slots", async () => {
    // the small channel's first load is done: its cycles from now on are incremental
    const dn = await w.slapd.addUser({ uid: "small", givenName: "Small", sn: "One", mail: "small@example.com" });
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
    expect((await w.cycle()).status).toBe("SUCCESS");
    for (const b of big) b.proxy.inject({ method: "POST", pathIncludes: "/Users", times: 10_000, delayMs: CREATE_DELAY_MS });

    // three slots: two for long work, one kept for incremental cycles
    const worker = startWorker({ FERRY_NODE_ID: "1", FERRY_WORKER_CONCURRENCY: "3", FERRY_WORKER_BULK_CONCURRENCY: "2" });
    try {
      const loads = await waitFor("both big first loads running", async () => {
        const c = await Promise.all(big.map((b) => runningCycle(b.id)));
        return c.every((x) => x) ? c.map((x) => x!) : null;
      }, 60_000).catch((err) => {
        throw new Error(`${(err as Error).message}\n${worker.output().slice(-3000)}`);
      });
      const bothRunningSince = new Date(Math.max(...loads.map((l) => l.startedAt.getTime())));

      await w.slapd.modify(dn, { givenName: "Changed" });
      await waitFor("the small channel's change at its target", async () => (await w.scim.listUsers()).find((u) => u.userName === "small" && u.name?.givenName === "Changed"), 120_000);

      // the cycle that brought it ends (its bookkeeping comes after the push)...
      const db = await getDb();
      await waitFor("the small channel's cycle ended", async () =>
        db.cycle.findFirst({ where: { channelId: w.channelId, startedAt: { gte: bothRunningSince }, status: "SUCCESS" } }),
      );
      // ...while both loads are still running: neither has finished, neither target holds all its users
      for (const l of loads) expect((await db.cycle.findUniqueOrThrow({ where: { id: l.id } })).status).toBe("RUNNING");
      for (const b of big) expect((await b.scim.listUsers()).length).toBeLessThan(BIG_USERS);

      // the loads then complete, each user created once
      for (const b of big) b.proxy.clear();
      for (const b of big) {
        await waitFor("a big channel's first load complete", async () => ((await b.scim.listUsers()).length === BIG_USERS ? true : null), 120_000);
      }
      for (const b of big) {
        const names = (await b.scim.listUsers()).map((u) => u.userName);
        expect(new Set(names).size).toBe(BIG_USERS);
      }

      // never two cycles of one channel at once, across the lanes
      for (const channelId of [w.channelId, ...big.map((b) => b.id)]) {
        const cycles = await db.cycle.findMany({ where: { channelId }, orderBy: { startedAt: "asc" }, select: { startedAt: true, finishedAt: true } });
        for (let i = 1; i < cycles.length; i++) expect(cycles[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(cycles[i - 1]!.finishedAt?.getTime() ?? Infinity);
      }
    } finally {
      worker.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }
  });

  it("one worker per lane (FERRY_WORKER_LANES): an incremental-only worker never takes a first load, a bulk-only one does", async () => {
    const dns: string[] = [];
    for (let i = 0; i < 5; i++) dns.push(await w.slapd.addUser({ uid: `big-c-${i}`, givenName: "Big", sn: `c${i}`, mail: `big-c-${i}@example.com` }));
    const groupDn = await w.slapd.addGroup("big-c", dns);
    const scim = await startScimmy();
    const db = await getDb();
    const { id } = await applyChannelConfig({
      actor: "test",
      via: "test",
      config: { ...w.channelConfig, name: "big-c", connectionId: "big-c", source: { ...w.channelConfig.source, groupDn }, target: { url: scim.baseUrl, auth: { type: "bearer", token: scim.token } } },
    });
    // the small channel has had its first load: its cycles from now on are incremental
    const smallDn = await w.slapd.addUser({ uid: "small2", givenName: "Small", sn: "Two", mail: "small2@example.com" });
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [smallDn]);
    expect((await w.cycle()).status).toBe("SUCCESS");
    const inc = startWorker({ FERRY_NODE_ID: "1", FERRY_WORKER_LANES: "incremental" });
    let bulk: ReturnType<typeof startWorker> | undefined;
    try {
      // the incremental-only worker carries the small channel's changes...
      await w.slapd.modify(smallDn, { givenName: "Again" });
      await waitFor("the small channel's change at its target", async () => (await w.scim.listUsers()).find((u) => u.userName === "small2" && u.name?.givenName === "Again"), 60_000).catch((err) => {
        throw new Error(`${(err as Error).message}\n${inc.output().slice(-3000)}`);
      });
      // ...and never starts the new channel's first load, which is long work
      expect(await db.cycle.count({ where: { channelId: id } })).toBe(0);
      expect(await scim.listUsers()).toHaveLength(0);

      bulk = startWorker({ FERRY_NODE_ID: "2", FERRY_WORKER_LANES: "bulk" });
      await waitFor("the first load done by the bulk-only worker", async () => ((await scim.listUsers()).length === 5 ? true : null), 60_000).catch((err) => {
        throw new Error(`${(err as Error).message}\n${bulk!.output().slice(-3000)}`);
      });
      const first = await db.cycle.findFirstOrThrow({ where: { channelId: id }, orderBy: { id: "asc" } });
      const small = await db.cycle.findFirstOrThrow({ where: { channelId: w.channelId, status: "SUCCESS" }, orderBy: { id: "desc" } });
      expect(first.nodeId).not.toBeNull();
      expect(first.nodeId).not.toBe(small.nodeId);
      expect(inc.output()).toMatch(/"lanes":"incremental"|lanes=incremental/);
      expect(bulk.output()).toMatch(/"lanes":"bulk"|lanes=bulk/);
    } finally {
      inc.kill("SIGTERM");
      bulk?.kill("SIGTERM");
      expect(await inc.exited).toBe(0);
      if (bulk) expect(await bulk.exited).toBe(0);
      await scim.stop().catch(() => undefined);
    }
  });
});
