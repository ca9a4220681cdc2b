// The worker process: runs channels at their sync frequency, survives SIGKILL at any
// point without losing a change or duplicating anything at the target, and stops
// cleanly on SIGTERM.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startWorker } from "../helpers/worker-process.ts";

let w: TWorld;
let proxy: FaultProxy;

beforeAll(async () => {
  // SCIMMY does not enforce unique group names: a duplicate create would show
  w = await startWorld({
    target: "scimmy",
    configure: (c) => {
      c.syncFrequencySec = 1;
    },
  });
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => (c.target.url = proxy.baseUrl));
});
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

describe("worker", () => {
  it("provisions on its own at the channel's sync frequency", async () => {
    const worker = startWorker({ FERRY_NODE_ID: "1" });
    try {
      const dn = await w.slapd.addUser({ uid: "first", givenName: "First", sn: "User", mail: "first@example.com" });
      await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
      await waitFor("first user at the target", async () => (await w.scim.listUsers()).find((u) => u.userName === "first"));
      const db = await getDb();
      const node = await db.node.findUnique({ where: { id: 1 } });
      expect(node?.status).toBe("RUNNING");
    } finally {
      worker.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }
    const db = await getDb();
    expect((await db.node.findUnique({ where: { id: 1 } }))?.status).toBe("STOPPED");
  });

  it("loses nothing and duplicates nothing when killed with SIGKILL mid-cycle", async () => {
    const appUsers = `cn=app-users,${w.slapd.groupsDn}`;
    const dns: string[] = [];
    for (let i = 0; i < 20; i++) {
      dns.push(await w.slapd.addUser({ uid: `k${i}`, givenName: "Kill", sn: `${i}`, mail: `k${i}@example.com` }));
    }
    await w.slapd.addMembers(appUsers, dns);
    for (let g = 0; g < 4; g++) await w.slapd.addGroup(`team${g}`, dns.slice(g * 5, g * 5 + 5));
    // slow every write so the kill lands in the middle of the push
    proxy.inject({ method: "POST", times: 1000, delayMs: 150 });

    const first = startWorker({ FERRY_NODE_ID: "1" });
    await waitFor("some but not all users", async () => {
      const n = (await w.scim.listUsers()).filter((u) => u.userName.startsWith("k")).length;
      return n >= 5 ? n : 0;
    }).catch((err) => {
      throw new Error(`${(err as Error).message}\n${first.output()}`);
    });
    first.kill("SIGKILL");
    await first.exited;
    const partway = (await w.scim.listUsers()).filter((u) => u.userName.startsWith("k")).length;
    expect(partway).toBeLessThan(20);

    if (process.env.FERRY_TEST_DEBUG) {
      const db = await getDb();
      console.log(await db.$queryRawUnsafe(`select worker_id from node`));
      console.log(await db.$queryRawUnsafe(`select * from graphile_worker._private_jobs`));
      console.log(await db.$queryRawUnsafe(`select * from graphile_worker._private_job_queues`));
    }
    proxy.clear();
    const secondStartedAt = new Date();
    const second = startWorker({ FERRY_NODE_ID: "1", FERRY_LEASE_SEC: "30" });
    try {
      await waitFor(
        "everything provisioned",
        async () => {
          const db = await getDb();
          const dirty = await db.userRecord.count({ where: { channelId: w.channelId, dirty: true } });
          const dirtyGroups = await db.groupRecord.count({ where: { channelId: w.channelId, dirty: true } });
          const groups = (await w.scim.listGroups()).filter((g) => g.displayName.startsWith("team"));
          return dirty === 0 && dirtyGroups === 0 && groups.length >= 4;
        },
        40_000,
      );
    } finally {
      second.kill("SIGTERM");
      await second.exited;
      if (process.env.FERRY_TEST_DEBUG) console.log("FIRST\n" + first.output() + "\nSECOND\n" + second.output());
    }
    const users = (await w.scim.listUsers()).filter((u) => u.userName.startsWith("k"));
    expect(users).toHaveLength(20);
    const groups = (await w.scim.listGroups()).filter((g) => g.displayName.startsWith("team"));
    expect(groups.map((g) => g.displayName).sort()).toEqual(["team0", "team1", "team2", "team3"]);
    for (const g of groups) expect(g.members).toHaveLength(5);
    const db = await getDb();
    const records = await db.userRecord.findMany({ where: { channelId: w.channelId, providerName: { startsWith: "k" } } });
    expect(new Set(records.map((r) => r.scimId))).toEqual(new Set(users.map((u) => u.id)));

    // the killed process's cycle is not left RUNNING: the restarted node says what happened to it
    const cycles = await db.cycle.findMany({ where: { channelId: w.channelId }, orderBy: { id: "asc" } });
    expect(cycles.filter((c) => c.status === "RUNNING")).toEqual([]);
    const killed = cycles.filter((c) => c.startedAt.getTime() < secondStartedAt.getTime() && c.finishedAt === null);
    expect(killed).toEqual([]);
    const aborted = cycles.filter((c) => c.status === "ABORTED");
    expect(aborted).toHaveLength(1);
    expect(aborted[0]!.message).toMatch(/^aborted: node 1 restarted; the process that ran this cycle had died/);
  }, 90_000);

  it("a node restarted after SIGKILL takes its own channels' leases back at once instead of waiting for them to expire", async () => {
    const dns: string[] = [];
    for (let i = 0; i < 8; i++) dns.push(await w.slapd.addUser({ uid: `r${i}`, givenName: "Restart", sn: `${i}`, mail: `r${i}@example.com` }));
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
    proxy.inject({ method: "POST", times: 1000, delayMs: 400 });
    const first = startWorker({ FERRY_NODE_ID: "1", FERRY_LEASE_SEC: "30" });
    const db = await getDb();
    await waitFor("a cycle holding the channel's lease", async () => {
      const ch = await db.channel.findUnique({ where: { id: w.channelId } });
      return ch?.leaseOwner === 1 && (await w.scim.listUsers()).some((u) => u.userName.startsWith("r"));
    });
    first.kill("SIGKILL");
    await first.exited;
    proxy.clear();
    const second = startWorker({ FERRY_NODE_ID: "1", FERRY_LEASE_SEC: "30" });
    try {
      const node = await waitFor("node 1 registered again", async () => {
        const n = await db.node.findUnique({ where: { id: 1 } });
        return n && n.pid === second.child.pid ? n : undefined;
      });
      const next = await waitFor(
        "a cycle of the restarted node",
        async () => (await db.cycle.findMany({ where: { channelId: w.channelId, startedAt: { gte: node.startedAt } } }))[0],
        40_000,
      );
      const waitedMs = next.startedAt.getTime() - node.startedAt.getTime();
      console.log(`restarted node's first cycle ${waitedMs} ms after it registered (lease 30 s)`);
      // the lease the dead process held had up to 30 s left
      expect(waitedMs).toBeLessThan(10_000);
      await waitFor("everything provisioned", async () => (await db.userRecord.count({ where: { channelId: w.channelId, dirty: true } })) === 0, 40_000);
    } finally {
      second.kill("SIGTERM");
      await second.exited;
    }
    expect((await w.scim.listUsers()).filter((u) => u.userName.startsWith("r"))).toHaveLength(8);
  }, 90_000);
});
