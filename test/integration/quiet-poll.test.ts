// A scheduled cycle that would find nothing to do is left out (lib/sync/quiet-poll.ts):
// the look before it, against a real slapd (its contextCSN), a real SCIM service behind a
// fault proxy and a real PostgreSQL; then the real worker, which runs a whole cycle only
// when the directory changed, the last one was not clean, or the directory cannot be
// asked.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { lookBeforeCycle, type TPollLook } from "../../lib/sync/quiet-poll.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { startWorker } from "../helpers/worker-process.ts";
import { waitFor } from "../../devkit/wait-for.ts";

let w: TWorld;
let proxy: FaultProxy;
let appUsers: string;
let quinn: string;

beforeAll(async () => {
  w = await startWorld({ target: "scimmy" });
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => {
    c.target = { ...c.target, url: proxy.baseUrl, maxRetries: 0 };
  });
  appUsers = `cn=app-users,${w.slapd.groupsDn}`;
  quinn = await w.slapd.addUser({ uid: "quinn", givenName: "Quinn", sn: "Quiet", mail: "quinn@example.com" });
  await w.slapd.addMembers(appUsers, [quinn]);
});
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

async function look(quietCycleSec = 600): Promise<TPollLook> {
  const db = await getDb();
  const row = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
  return lookBeforeCycle(db, row, quietCycleSec);
}

async function cleanCycle(): Promise<void> {
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
}

async function cycles(): Promise<Array<{ status: string; kind: string }>> {
  const db = await getDb();
  return db.cycle.findMany({ where: { channelId: w.channelId }, orderBy: { id: "asc" }, select: { status: true, kind: true } });
}

describe("the look before a scheduled cycle", () => {
  it("after a clean cycle finds nothing to do, and says when it looked without touching the channel's settings time", async () => {
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    const db = await getDb();
    const before = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
    expect(before.pollMarker).toMatch(/^csn:.+\|.+$/);
    expect(await look()).toEqual({ quiet: true });
    const after = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
    expect(after.lastPolledAt).not.toBeNull();
    expect(after.updatedAt.getTime()).toBe(before.updatedAt.getTime());
  });

  it("a write outside the channel's scope leaves the look quiet; one in it, in its group or in its groups means a cycle", async () => {
    const db = await getDb();
    const marker = async () => (await db.channel.findUniqueOrThrow({ where: { id: w.channelId } })).pollMarker;
    const before = await marker();
    // a user outside the provisioning group: the directory's marker moves, the channel's scope does not
    const outsider = await w.slapd.addUser({ uid: "outsider", givenName: "Out", sn: "Sider", mail: "out@example.com" });
    expect(await look()).toEqual({ quiet: true });
    // the look got as far as that write: the next one needs no feed read
    expect(await marker()).not.toBe(before);
    expect(await look()).toEqual({ quiet: true });

    // a user in scope changed: the users' change feed (syncrepl) shows it
    await w.slapd.modify(quinn, { givenName: "Quinton" });
    expect(await look()).toEqual({ quiet: false, reason: "users in the channel's scope changed" });
    await cleanCycle();
    expect(await look()).toEqual({ quiet: true });

    // someone joins the provisioning group
    await w.slapd.addMembers(appUsers, [outsider]);
    expect(await look()).toEqual({ quiet: false, reason: "the provisioning group changed" });
    await cleanCycle();
    expect(await look()).toEqual({ quiet: true });

    // a new group in the groups' scope (provisioned groups)
    await w.slapd.addGroup("quiet-team", [quinn]);
    expect(await look()).toEqual({ quiet: false, reason: "groups in the channel's scope changed" });
    await cleanCycle();
    expect(await look()).toEqual({ quiet: true });
    expect((await w.scim.listUsers()).map((u) => u.userName).sort()).toEqual(["outsider", "quinn"]);

    // someone in scope deleted (refint takes them out of the group as well)
    await w.slapd.remove(outsider);
    expect(await look()).toMatchObject({ quiet: false });
    await cleanCycle();
    expect(await look()).toEqual({ quiet: true });
  });

  it("with modification timestamps as the change feed, any write means a cycle (the feed cannot tell)", async () => {
    await w.reconfigure((c) => (c.source.changeCapture = "timestamp"));
    await cleanCycle();
    expect(await look()).toEqual({ quiet: true });
    await w.slapd.addUser({ uid: "outsider2", givenName: "Out", sn: "Two", mail: "out2@example.com" });
    expect(await look()).toEqual({ quiet: false, reason: "the directory changed" });
    await w.reconfigure((c) => (c.source.changeCapture = "auto"));
    await cleanCycle();
    expect(await look()).toEqual({ quiet: true });
  });

  it("changed settings, a record waiting to be pushed, or a whole cycle due by time each mean a cycle", async () => {
    await w.reconfigure((c) => (c.options.fullSyncIntervalSec = 3601));
    expect(await look()).toMatchObject({ quiet: false });
    const again = await w.cycle();
    expect(again.status, again.message).toBe("SUCCESS");
    expect(await look()).toEqual({ quiet: true });

    const db = await getDb();
    await db.$executeRawUnsafe(`UPDATE user_record SET dirty = true, pending_action = 'UPDATE', pending_values = pushed_values || '{"active": true}' WHERE channel_id = $1`, w.channelId);
    expect(await look()).toEqual({ quiet: false, reason: "users wait to be pushed" });
    await cleanCycle();
    expect(await look()).toEqual({ quiet: true });

    // FERRY_QUIET_CYCLE_SEC: the last whole cycle is older than that
    await new Promise((res) => setTimeout(res, 1100));
    expect(await look(1)).toEqual({ quiet: false, reason: "no whole cycle for 1 s" });
    expect(await look(0)).toMatchObject({ quiet: false, reason: expect.stringMatching(/off/) });
  });

  it("a cycle the target refused part of lets no look be quiet until a clean one", async () => {
    const dn = await w.slapd.addUser({ uid: "refused", givenName: "Re", sn: "Fused", mail: "refused@example.com" });
    await w.slapd.addMembers(appUsers, [dn]);
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 500, body: "down for a moment" });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("PARTIAL");
    const db = await getDb();
    expect((await db.channel.findUniqueOrThrow({ where: { id: w.channelId } })).pollMarker).toBeNull();
    expect(await look()).toMatchObject({ quiet: false });
    // the refused record waits for its retry (records refused for themselves back off): retry it now
    await db.$executeRawUnsafe(`UPDATE user_record SET next_attempt_at = NULL WHERE channel_id = $1`, w.channelId);
    await cleanCycle();
    expect(await look()).toEqual({ quiet: true });
  });

  it("a directory that cannot be asked means a cycle (which reports it)", async () => {
    const down = w.slapd.restart(4000);
    await new Promise((res) => setTimeout(res, 500));
    try {
      const l = await look();
      expect(l.quiet).toBe(false);
      expect(l).toMatchObject({ reason: expect.stringMatching(/^the directory could not be asked: /) });
    } finally {
      await down;
    }
  });
});

describe("the worker", () => {
  it("still runs a whole cycle every FERRY_QUIET_CYCLE_SEC while nothing changes", async () => {
    await w.reconfigure((c) => (c.syncFrequencySec = 1));
    await cleanCycle();
    const start = (await cycles()).length;
    const worker = startWorker({ FERRY_NODE_ID: "1", FERRY_QUIET_CYCLE_SEC: "2" });
    try {
      await waitFor("two whole cycles", async () => (await cycles()).length >= start + 2, 15_000).catch((err) => {
        throw new Error(`${(err as Error).message}\n${worker.output()}`);
      });
    } finally {
      worker.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }
  });

  it("runs no cycle while nothing changes, carries a change within seconds, and runs one when the directory cannot be read", async () => {
    await w.reconfigure((c) => (c.syncFrequencySec = 1));
    await cleanCycle();
    const db = await getDb();
    const start = (await cycles()).length;
    const startedAt = Date.now();
    const worker = startWorker({ FERRY_NODE_ID: "1" });
    try {
      // six periods with nothing changed: looks, no cycle. The look waited for is this
      // worker's (a test above looked too): on a busy machine the worker may take seconds
      // to start, and a SIGTERM before it has started kills it instead of stopping it
      await waitFor("a look by the worker", async () => {
        const polled = (await db.channel.findUniqueOrThrow({ where: { id: w.channelId } })).lastPolledAt;
        return polled && polled.getTime() >= startedAt ? polled : null;
      });
      await new Promise((res) => setTimeout(res, 6000));
      expect((await cycles()).length).toBe(start);
      const polled = (await db.channel.findUniqueOrThrow({ where: { id: w.channelId } })).lastPolledAt!;
      expect(Date.now() - polled.getTime()).toBeLessThan(3000);

      // a change in the directory reaches the target at the next look's cycle
      await w.slapd.modify(quinn, { givenName: "Quincy" });
      await waitFor("the change at the target", async () => (await w.scim.listUsers()).find((u) => u.userName === "quinn" && u.name?.givenName === "Quincy"), 10_000);
      const afterChange = await cycles();
      expect(afterChange.length).toBeGreaterThan(start);
      expect(afterChange.at(-1)!.kind).toBe("scheduled");

      // the directory down: the look cannot ask it, so a cycle runs and fails (health, alerts)
      const down = w.slapd.restart(4000);
      try {
        await waitFor("a failed cycle while the directory is down", async () => (await cycles()).slice(afterChange.length).some((c) => c.status === "FAILED"), 10_000);
      } finally {
        await down;
      }
    } finally {
      worker.kill("SIGTERM");
      expect(await worker.exited).toBe(0);
    }
  });
});
