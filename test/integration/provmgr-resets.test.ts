// provmgr (seed 000), the resets and the nodes: the real CLI process, then the store and
// the next real cycle (or the real worker process) doing what the seed says.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { osActor } from "../../lib/audit/record-audit.ts";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startWorker } from "../helpers/worker-process.ts";
import { auditSince, fastForward, parsed, provmgr } from "./provmgr.helpers.ts";

let w: TWorld;
let c: string;
const dns: Record<string, string> = {};

beforeAll(async () => {
  // the seed's resets repair what polling by timestamps misses (a deleted group member, a
  // change with an older timestamp): this world polls, as the seed's product did (the
  // syncrepl feed, OpenLDAP's default, misses neither: change-feed-syncrepl.test.ts)
  w = await startWorld({ configure: (cfg) => (cfg.source.changeCapture = "timestamp") });
  c = String(w.channelId);
  for (const uid of ["ann", "ben", "cat", "dan"]) {
    dns[uid] = await w.slapd.addUser({ uid, givenName: uid.toUpperCase(), sn: "Tester", mail: `${uid}@example.com` });
  }
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, Object.values(dns));
  await w.slapd.addGroup("Engineering", [dns.ann!, dns.ben!]);
  expect((await w.cycle()).status).toBe("SUCCESS");
});
afterAll(async () => {
  await w?.stop();
});

async function channelRow() {
  const db = await getDb();
  return (await db.channel.findUnique({ where: { id: w.channelId } }))!;
}
async function targetUser(userName: string) {
  return (await w.scim.listUsers()).find((u) => u.userName === userName);
}
async function hashes() {
  const db = await getDb();
  const rows = await db.userRecord.findMany({ where: { channelId: w.channelId }, orderBy: { providerName: "asc" } });
  return Object.fromEntries(rows.map((r) => [r.providerName, r.valuesHash]));
}
async function expectAudited(since: Date, actions: string[]) {
  const rows = (await auditSince(w.channelId, since)).filter((a) => a.via === "cli");
  expect(rows.map((r) => r.action)).toEqual(actions);
  for (const r of rows) expect(r.actor).toBe(osActor());
}

describe("provmgr: resets", () => {
  it("--reset-group-timestamp: the next cycle enumerates the group and sees a user deleted from the directory", async () => {
    // OpenLDAP's refint drops dan from the provisioning group without touching the group's
    // change marker: the case the seed describes, invisible to an incremental cycle
    await w.slapd.remove(dns.dan!);
    const quiet = await w.cycle();
    expect(quiet.stats.mode).toBe("incremental");
    expect((await targetUser("dan"))!.active).toBe(true);
    const previous = (await channelRow()).groupTimestamp;
    expect(previous).toBeTruthy();

    const since = new Date();
    const r = await provmgr(["-c", c, "--reset-group-timestamp"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(`Channel ${c}: group timestamp deleted (was ${previous}): the next cycle enumerates the provisioning group.\n`);
    expect((await channelRow()).groupTimestamp).toBeNull();
    await expectAudited(since, ["reset-group-timestamp"]);

    const next = await w.cycle();
    expect(next.stats.mode).toBe("full");
    expect(next.stats.reasons).toContain("group timestamp reset or first read");
    expect(next.stats.pushed).toEqual({ DISABLE: 1 });
    expect((await targetUser("dan"))!.active).toBe(false);
    expect((await channelRow()).groupTimestamp).toBe(previous);
  });

  it("--reset-attribute-sync: the next cycle looks at every user, not only those with a newer timestamp", async () => {
    // a change that reaches this directory with an older timestamp than the channel's
    // attribute-sync point (replicated late, restored from a backup) is missed by
    // incremental reads
    await w.slapd.modify(dns.ann!, { givenName: "Annie" });
    await fastForward(w.channelId);
    const missed = await w.cycle();
    expect(missed.stats).toMatchObject({ mode: "incremental", usersRead: 0, pushed: {} });
    expect((await targetUser("ann"))!.name?.givenName).toBe("ANN");
    const previous = (await channelRow()).attributeSyncTimestamp;

    const since = new Date();
    const r = await provmgr(["-c", c, "--reset-attribute-sync", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(parsed(r)).toEqual({ command: "reset-attribute-sync", channelId: w.channelId, attributeSyncTimestamp: "1", previousAttributeSyncTimestamp: previous });
    expect((await channelRow()).attributeSyncTimestamp).toBe("1");
    await expectAudited(since, ["reset-attribute-sync"]);

    const next = await w.cycle();
    expect(next.stats.mode).toBe("full");
    expect(next.stats.reasons).toContain("attribute sync timestamp reset");
    expect(next.stats.usersRead).toBe(3); // ann, ben, cat: all in scope
    expect(next.stats.pushed.UPDATE).toBe(1); // ann only: the others' values did not change
    expect((await targetUser("ann"))!.name?.givenName).toBe("Annie");
    expect((await channelRow()).attributeSyncTimestamp).toMatch(/^\d{14}Z$/);
  });

  it("--reset-values-hash: users with a newer LDAP timestamp are updated whatever their values, the others are not", async () => {
    await fastForward(w.channelId);
    const withHash = Object.values(await hashes()).filter(Boolean).length;
    expect(withHash).toBe(4);

    const since = new Date();
    const r = await provmgr(["-c", c, "--reset-values-hash"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `Channel ${c}: values hash removed from 4 user records: users with a newer LDAP timestamp are updated at the SP whatever their values.\n`,
    );
    expect(await hashes()).toEqual({ ann: null, ben: null, cat: null, dan: null });
    await expectAudited(since, ["reset-values-hash"]);

    // ben's entry changes where the mapping does not look: a newer timestamp, the same values
    await w.slapd.modify(dns.ben!, { description: "not mapped" });
    const next = await w.cycle();
    expect(next.stats.mode).toBe("incremental");
    expect(next.stats.pushed).toEqual({ UPDATE: 1 });
    const after = await hashes();
    expect(after.ben).toBeTruthy();
    expect({ ann: after.ann, cat: after.cat }).toEqual({ ann: null, cat: null });
  });

  it("--reset-all: all three; the next cycle reads everyone and updates every user at the target", async () => {
    const previous = await channelRow();
    const since = new Date();
    const r = await provmgr(["-c", c, "--reset-all"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout.split("\n")).toEqual([
      `Channel ${c}:`,
      `  group timestamp deleted (was ${previous.groupTimestamp}): the next cycle enumerates the provisioning group.`,
      `  attribute-sync timestamp set to 1 (was ${previous.attributeSyncTimestamp}): the next cycle looks at every user.`,
      `  values hash removed from 1 user record: users with a newer LDAP timestamp are updated at the SP whatever their values.`,
      "",
    ]);
    expect(await channelRow()).toMatchObject({ groupTimestamp: null, attributeSyncTimestamp: "1" });
    expect(Object.values(await hashes()).every((h) => h === null)).toBe(true);
    await expectAudited(since, ["reset-group-timestamp", "reset-attribute-sync", "reset-values-hash"]);

    const next = await w.cycle();
    expect(next.stats.mode).toBe("full");
    expect(next.stats.usersRead).toBe(3);
    // every user in scope is sent again, every group re-sent with its members
    expect(next.stats.pushed).toMatchObject({ UPDATE: 3, GROUP_UPDATE: 1 });
    expect(Object.entries(await hashes()).filter(([, h]) => h !== null).map(([n]) => n).sort()).toEqual(["ann", "ben", "cat"]);
  });
});

describe("provmgr: nodes", () => {
  it("--show-nodes lists the nodes; --force-node-backup -n puts one in FAILOVER and the ACTIVE node alone runs the channel", async () => {
    await w.reconfigure((cfg) => (cfg.syncFrequencySec = 1));
    const db = await getDb();
    // a node that registered long ago and has been silent since
    await db.node.create({ data: { id: 42, hostname: "old-host", pid: 4242, status: "RUNNING", lastHeartbeat: new Date(Date.now() - 3_600_000) } });
    const silent = await provmgr(["--show-nodes"]);
    expect(silent.code, silent.stderr).toBe(0);
    expect(silent.stdout.split("\n")[0]).toMatch(/^ID\s+HOSTNAME\s+PID\s+MODE\s+STATUS\s+LAST HEARTBEAT\s+STARTED$/);
    expect(silent.stdout.split("\n")[1]).toMatch(/^42\s+old-host\s+4242\s+ACTIVE\s+UNRESPONSIVE\s+\d{4}-\d\d-\d\dT[\d:]+Z\s+\d{4}-/);

    // short leases so a cycle cut short by the switch frees the channel soon; a grace long
    // enough that a loaded test machine does not make the two nodes declare each other dead
    const fast = { FERRY_FAILOVER_GRACE_SEC: "10", FERRY_LEASE_SEC: "4" };
    const workers = [startWorker({ ...fast, FERRY_NODE_ID: "41" }), startWorker({ ...fast, FERRY_NODE_ID: "43" })];
    try {
      await waitFor("both nodes provisioning", async () => (await db.node.count({ where: { id: { in: [41, 43] }, status: "RUNNING" } })) === 2);
      const [text, json] = await Promise.all([provmgr(["--show-nodes"]), provmgr(["--show-nodes", "--json"])]);
      expect(text.code, text.stderr).toBe(0);
      const node41 = (await db.node.findUnique({ where: { id: 41 } }))!;
      expect(text.stdout).toMatch(new RegExp(`^41\\s+${node41.hostname}\\s+${node41.pid}\\s+ACTIVE\\s+RUNNING\\s`, "m"));
      // the live nodes declared the silent one dead
      expect(parsed(json).nodes.map((n: any) => [n.id, n.mode, n.effectiveStatus])).toEqual([
        [41, "ACTIVE", "RUNNING"],
        [42, "ACTIVE", "DEAD"],
        [43, "ACTIVE", "RUNNING"],
      ]);

      // the switch is made while no cycle runs (the channel paused): a node switched in the
      // middle of a cycle is the worker's own failover matter (test/integration/failover.test.ts)
      await w.reconfigure((cfg) => (cfg.active = false));
      await waitFor("no cycle running", async () => (await db.cycle.count({ where: { status: "RUNNING" } })) === 0, 10_000);
      const since = new Date();
      const r = await provmgr(["--force-node-backup", "-n", "41"]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toBe("Node 41 is now in FAILOVER mode (was ACTIVE). At its next heartbeat it stands by, and provisions only while no ACTIVE node is alive.\n");
      expect((await db.node.findUnique({ where: { id: 41 } }))!.mode).toBe("FAILOVER");
      const audit = (await auditSince(null, since)).filter((a) => a.via === "cli");
      expect(audit.map((a) => ({ actor: a.actor, action: a.action, details: a.details }))).toEqual([
        { actor: osActor(), action: "force-node-backup", details: { nodeId: 41, previousMode: "ACTIVE" } },
      ]);

      // node 41 stands by while node 43 is alive; node 43 provisions the next change alone
      await waitFor("node 41 standing by", async () => (await db.node.findUnique({ where: { id: 41 } }))!.status === "STANDBY", 10_000);
      const failedOver = new Date();
      const eve = await w.slapd.addUser({ uid: "eve", givenName: "Eve", sn: "Tester", mail: "eve@example.com" });
      await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [eve]);
      await w.reconfigure((cfg) => (cfg.active = true));
      await waitFor("eve at the target", () => targetUser("eve"), 30_000).catch(async (err) => {
        const cycles = await db.cycle.findMany({ where: { startedAt: { gt: failedOver } }, orderBy: { id: "asc" } });
        throw new Error(
          `${(err as Error).message}\ncycles since: ${JSON.stringify(cycles.map((x) => [x.nodeId, x.status, x.message]))}\nnode 41:\n${workers[0]!.output()}\nnode 43:\n${workers[1]!.output()}`,
        );
      });
      expect(await db.cycle.count({ where: { nodeId: 41, startedAt: { gt: failedOver } } })).toBe(0);
      expect(await db.cycle.count({ where: { nodeId: 43, startedAt: { gt: failedOver } } })).toBeGreaterThan(0);

      const after = parsed(await provmgr(["--show-nodes", "--json"]));
      expect(after.nodes.find((n: any) => n.id === 41)).toMatchObject({ mode: "FAILOVER", effectiveStatus: "STANDBY" });
    } finally {
      for (const p of workers) p.kill("SIGTERM");
      await Promise.all(workers.map((p) => p.exited));
    }
  });
});
