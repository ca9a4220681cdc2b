// Failover provisioning with several real worker processes on one PostgreSQL: forcing a
// node to backup, a node killed with SIGKILL mid-cycle, a node paused (SIGSTOP) past its
// lease that wakes up, and channels spread over three nodes — with exactly one cycle of a
// channel at any moment throughout.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { getDb } from "../../lib/db/index.ts";
import { forceNodeBackup } from "../../lib/nodes/force-node-backup.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startWorker, type TWorkerProcess } from "../helpers/worker-process.ts";

const FAST = { FERRY_HEARTBEAT_SEC: "1", FERRY_FAILOVER_GRACE_SEC: "3", FERRY_LEASE_SEC: "4", FERRY_SCHEDULER_SEC: "1", FERRY_LOG_LEVEL: "info" };

let w: TWorld;
let proxy: FaultProxy;
const workers: TWorkerProcess[] = [];

function node(id: number, extra: Record<string, string> = {}): TWorkerProcess {
  const p = startWorker({ ...FAST, FERRY_NODE_ID: String(id), ...extra });
  workers.push(p);
  return p;
}

async function stopAll(): Promise<void> {
  for (const p of workers.splice(0)) {
    if (process.env.FERRY_TEST_DEBUG) console.log(`---- worker output\n${p.output()}`);
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill("SIGCONT");
      p.kill("SIGTERM");
      await p.exited;
    }
  }
}

async function cyclesOf(channelId: number) {
  const db = await getDb();
  return db.cycle.findMany({ where: { channelId }, orderBy: { startedAt: "asc" } });
}

/**
 * No two cycles of one channel that held their lease to the end overlapped in time. (A
 * cycle fenced off while its node was paused may end late, but it wrote nothing.)
 */
async function expectNoOverlap(channelId: number, since = new Date(0)): Promise<void> {
  const cycles = (await cyclesOf(channelId)).filter((c) => c.finishedAt && c.startedAt >= since && !/lost the lease/.test(c.message ?? ""));
  for (let i = 1; i < cycles.length; i++) {
    expect(cycles[i]!.startedAt.getTime()).toBeGreaterThanOrEqual(cycles[i - 1]!.finishedAt!.getTime());
  }
}

beforeAll(async () => {
  w = await startWorld({ target: "scimmy", configure: (c) => (c.syncFrequencySec = 1) });
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => (c.target.url = proxy.baseUrl));
});
afterAll(async () => {
  await stopAll();
  await proxy?.stop();
  await w?.stop();
});

async function addMembers(prefix: string, n: number): Promise<void> {
  const dns: string[] = [];
  for (let i = 0; i < n; i++) dns.push(await w.slapd.addUser({ uid: `${prefix}${i}`, givenName: prefix, sn: `${i}`, mail: `${prefix}${i}@example.com` }));
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
}

const countAt = async (prefix: string) => (await w.scim.listUsers()).filter((u) => u.userName.startsWith(prefix)).length;

describe("failover", () => {
  it("--force-node-backup puts a node in FAILOVER: it stops provisioning at once and the other node carries on", async () => {
    node(1);
    node(2);
    await addMembers("fa", 3);
    await waitFor("both nodes provisioning", async () => {
      const db = await getDb();
      const nodes = await db.node.findMany({ where: { id: { in: [1, 2] } } });
      return nodes.length === 2 && nodes.every((n) => n.status === "RUNNING") && (await countAt("fa")) === 3;
    });
    await forceNodeBackup({ nodeId: 1, actor: "test", via: "test" });
    await waitFor("node 1 on standby", async () => (await (await getDb()).node.findUnique({ where: { id: 1 } }))?.status === "STANDBY", 10_000);
    const since = new Date();
    await addMembers("fc", 2);
    await waitFor("provisioned by node 2", async () => (await countAt("fc")) === 2);
    const later = (await cyclesOf(w.channelId)).filter((c) => c.startedAt > since);
    expect(later.length).toBeGreaterThan(0);
    expect(new Set(later.map((c) => c.nodeId))).toEqual(new Set([2]));
    await expectNoOverlap(w.channelId);
    await stopAll();
    await (await getDb()).node.update({ where: { id: 1 }, data: { mode: "ACTIVE" } });
  }, 60_000);

  it("a backup takes over from a node killed with SIGKILL mid-cycle: nothing lost, nothing twice", async () => {
    const db = await getDb();
    await db.node.update({ where: { id: 2 }, data: { mode: "FAILOVER" } });
    const active = node(1);
    const backup = node(2);
    await waitFor("node 2 on standby", async () => (await db.node.findUnique({ where: { id: 2 } }))?.status === "STANDBY");
    await addMembers("kk", 16);
    for (let g = 0; g < 4; g++) await w.slapd.addGroup(`crew${g}`, [`uid=kk${g},${w.slapd.peopleDn}`, `uid=kk${g + 4},${w.slapd.peopleDn}`]);
    // each create takes 800 ms: 16 users at 4 in flight and 4 groups take several seconds
    proxy.inject({ method: "POST", times: 10_000, delayMs: 800 });
    // node 2 may run a cycle while node 1 is still starting (no ACTIVE node alive yet): kill node 1 in its own cycle
    await waitFor(
      "node 1 partway",
      async () => (await db.channel.findUnique({ where: { id: w.channelId } }))?.leaseOwner === 1 && (await countAt("kk")) >= 1,
      30_000,
      50,
    );
    active.kill("SIGKILL");
    const killedAt = Date.now();
    await active.exited;
    proxy.clear();
    await waitFor(
      "node 2 finished the job",
      async () =>
        (await countAt("kk")) === 16 &&
        (await db.userRecord.count({ where: { channelId: w.channelId, dirty: true } })) === 0 &&
        (await db.groupRecord.count({ where: { channelId: w.channelId, dirty: true } })) === 0 &&
        (await w.scim.listGroups()).filter((g) => g.displayName.startsWith("crew")).length >= 4,
      40_000,
    );
    const takeover = (await cyclesOf(w.channelId)).find((c) => c.nodeId === 2 && c.startedAt.getTime() > killedAt);
    expect(takeover).toBeDefined();
    const takeoverMs = takeover!.startedAt.getTime() - killedAt;
    // grace (3 s) + heartbeat (1 s) + the dead node's lease (4 s) + polling
    expect(takeoverMs).toBeLessThan(12_000);
    console.log(`takeover after SIGKILL: ${takeoverMs} ms`);
    expect((await db.node.findUnique({ where: { id: 1 } }))?.status).toBe("DEAD");
    // the dead node's cycle is not left RUNNING: it says why it ended
    const killedCycles = (await cyclesOf(w.channelId)).filter((c) => c.nodeId === 1 && c.startedAt.getTime() < killedAt);
    expect(killedCycles.filter((c) => c.status === "RUNNING")).toEqual([]);
    const aborted = killedCycles.filter((c) => c.status === "ABORTED");
    expect(aborted).toHaveLength(1);
    expect(aborted[0]!.message).toMatch(/^aborted: node 1 running it stopped answering and was declared dead by node 2/);
    expect(aborted[0]!.finishedAt).not.toBeNull();
    const crews = (await w.scim.listGroups()).filter((g) => g.displayName.startsWith("crew"));
    expect(crews.map((g) => g.displayName).sort()).toEqual(["crew0", "crew1", "crew2", "crew3"]);
    for (const g of crews) expect(g.members).toHaveLength(2);
    expect((await w.scim.listUsers()).filter((u) => u.userName.startsWith("kk"))).toHaveLength(16);
    await expectNoOverlap(w.channelId);
    void backup;
    await stopAll();
    await db.node.update({ where: { id: 2 }, data: { mode: "ACTIVE" } });
  }, 90_000);

  it("a node paused (SIGSTOP) past its lease does not write when it wakes up", async () => {
    const db = await getDb();
    const a = node(1);
    await waitFor("node 1 running", async () => (await db.node.findUnique({ where: { id: 1 } }))?.status === "RUNNING");
    await addMembers("zz", 12);
    proxy.inject({ method: "POST", times: 10_000, delayMs: 800 });
    await waitFor("node 1 partway", async () => ((await countAt("zz")) >= 1 ? true : undefined), 30_000, 50);
    a.kill("SIGSTOP");
    const b = node(2);
    proxy.clear();
    await waitFor(
      "node 2 took over",
      async () => (await countAt("zz")) === 12 && (await db.userRecord.count({ where: { channelId: w.channelId, dirty: true } })) === 0,
      40_000,
    );
    expect((await db.node.findUnique({ where: { id: 1 } }))?.status).toBe("DEAD");
    const lastWrite = async () =>
      (await db.$queryRawUnsafe<Array<{ t: Date | null }>>(`SELECT max(updated_at) AS t FROM user_record WHERE channel_id = $1`, w.channelId))[0]?.t?.getTime() ?? 0;
    const before = await lastWrite();
    a.child.kill("SIGCONT");
    const code = await a.exited;
    expect(code).toBe(75); // it learnt it was declared dead, and left
    expect(a.output()).toMatch(/declared dead/);
    expect(await lastWrite()).toBe(before);
    const cycles = await cyclesOf(w.channelId);
    const aborted = cycles.filter((c) => c.nodeId === 1 && c.status !== "SUCCESS");
    for (const c of aborted) expect(c.message ?? "").not.toMatch(/^\d+ record/);
    expect((await w.scim.listUsers()).filter((u) => u.userName.startsWith("zz"))).toHaveLength(12);
    void b;
    await stopAll();
  }, 90_000);

  it("three nodes share six channels, one cycle per channel at a time", async () => {
    const ids = [w.channelId];
    for (let i = 2; i <= 6; i++) {
      const cfg = structuredClone(w.channelConfig);
      cfg.name = `spread ${i}`;
      cfg.connectionId = `spread-${i}`;
      delete cfg.source.groupFilter;
      ids.push((await applyChannelConfig({ config: cfg, actor: "test", via: "test" })).id);
    }
    const since = new Date();
    // every scheduled cycle runs (no quiet looks): many cycles per channel, spread over the nodes
    const everyCycle = { FERRY_QUIET_CYCLE_SEC: "0" };
    node(1, everyCycle);
    node(2, everyCycle);
    node(3, everyCycle);
    await waitFor(
      "every channel cycled on several nodes",
      async () => {
        const db = await getDb();
        const cycles = await db.cycle.findMany({ where: { channelId: { in: ids }, startedAt: { gt: since } } });
        const perChannel = new Set(cycles.map((c) => c.channelId));
        const nodes = new Set(cycles.map((c) => c.nodeId));
        return perChannel.size === 6 && nodes.size === 3 && cycles.length >= 18;
      },
      40_000,
    );
    for (const id of ids) await expectNoOverlap(id, since);
    await stopAll();
  }, 60_000);
});
