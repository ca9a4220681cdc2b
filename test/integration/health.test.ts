// Health an administrator can act on (issue 14): a target that refuses every request is
// "failing", not "partial"; after three failing cycles in a row the channel is
// quarantined (5 min, then longer) and leaves it by itself with the first good cycle or by
// hand; a record the target keeps refusing waits longer each time instead of being sent
// every cycle, and "retry now" or a change in the directory sends it at once. Real slapd,
// the real Better Auth SCIM service behind a fault proxy, a real PostgreSQL.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { listAudit } from "../../lib/audit/list-audit.ts";
import { releaseQuarantine } from "../../lib/channels/release-quarantine.ts";
import { retryNow } from "../../lib/channels/retry-now.ts";
import { listChannels } from "../../lib/channels/list-channels.ts";
import type { FaultProxy } from "../harness/fault-proxy.ts";
import { startWorldBehindProxy, userRecord, type TWorld } from "../helpers/fixture.ts";
import { parsed, provmgr } from "./provmgr.helpers.ts";

let w: TWorld;
let proxy: FaultProxy;
let n = 0;
const admin = { actor: "admin", via: "test" as const };

beforeAll(async () => {
  ({ w, proxy } = await startWorldBehindProxy());
  await w.cycle();
});
beforeEach(() => proxy.clear());
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

async function newMember(): Promise<string> {
  const uid = `h${++n}`;
  const dn = await w.slapd.addUser({ uid, givenName: "H", sn: `${n}`, mail: `${uid}@example.com` });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
  return uid;
}

const channel = async () => (await getDb()).channel.findUniqueOrThrow({ where: { id: w.channelId } });

describe("channel health", () => {
  it("a good cycle is healthy; a target answering 401 to everything is failing, and three in a row quarantine the channel", async () => {
    await newMember();
    const ok = await w.cycle();
    expect(ok.status).toBe("SUCCESS");
    expect(ok.health?.state).toBe("healthy");

    await newMember();
    proxy.inject({ times: 1000, status: 401, body: "Invalid SCIM bearer token" });
    const f1 = await w.cycle();
    expect(f1.status).not.toBe("SUCCESS");
    expect(f1.health?.state).toBe("failing");
    expect(f1.health?.reason).toMatch(/the target refuses the changes: .*401/);
    // the channels list and provmgr see it the same way
    const [summary] = (await listChannels()).filter((c) => c.id === w.channelId);
    expect(summary!.health.state).toBe("failing");

    const f2 = await w.cycle();
    expect(f2.health?.reason).toMatch(/\(2 cycles in a row\)/);
    expect((await channel()).quarantineUntil).toBeNull();

    const t0 = Date.now();
    const f3 = await w.cycle();
    expect(f3.health?.state).toBe("quarantined");
    const ch = await channel();
    expect(ch.failingCycles).toBe(3);
    // the first quarantine is five minutes
    expect(ch.quarantineUntil!.getTime() - t0).toBeGreaterThanOrEqual(5 * 60 * 1000 - 1000);
    expect(ch.quarantineUntil!.getTime() - t0).toBeLessThan(5 * 60 * 1000 + 60_000);
    expect(ch.quarantineReason).toMatch(/3 failing cycles in a row; the next try is at .* \(5 min\)/);

    const show = parsed(await provmgr(["--show-channels", "--json"]));
    expect(show.channels.find((c: any) => c.id === w.channelId).health.state).toBe("quarantined");

    // every change of health is in the audit log, from what to what and why
    const audit = (await listAudit({ channelId: w.channelId, action: "channel.health", limit: 50 })).items;
    expect(audit.map((e: any) => e.details.to)).toEqual(expect.arrayContaining(["healthy", "failing", "quarantined"]));
  });

  it("a fourth failing cycle (after a release by hand) is quarantined longer: 15 min", async () => {
    proxy.inject({ times: 1000, status: 401, body: "Invalid SCIM bearer token" });
    const r = await releaseQuarantine({ channelId: w.channelId, ...admin });
    expect(r.wasQuarantined).toBe(true);
    expect((await channel()).quarantineUntil).toBeNull();
    const t0 = Date.now();
    const f4 = await w.cycle();
    expect(f4.health?.state).toBe("quarantined");
    const ch = await channel();
    expect(ch.failingCycles).toBe(4);
    expect(ch.quarantineLevel).toBe(1);
    expect(ch.quarantineUntil!.getTime() - t0).toBeGreaterThanOrEqual(15 * 60 * 1000 - 1000);
  });

  it("the first cycle that gets through ends the quarantine and the channel is healthy again", async () => {
    proxy.clear();
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    expect(r.health?.state).toBe("healthy");
    const ch = await channel();
    expect(ch.failingCycles).toBe(0);
    expect(ch.quarantineUntil).toBeNull();
  });

  it("records the target refuses for themselves make a cycle degraded, never failing, and never quarantine the channel", async () => {
    const good = await newMember();
    const bad = await newMember();
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 400, body: "no" });
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.health?.state).toBe("degraded");
    // one of the two went through
    const recs = await Promise.all([userRecord(w.channelId, good), userRecord(w.channelId, bad)]);
    expect(recs.filter((x) => x?.dirty)).toHaveLength(1);
    // only refusals of records (a 400 each), cycle after cycle: degraded, not failing
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1000, status: 400, body: "no" });
    await newMember();
    for (let i = 0; i < 4; i++) expect((await w.cycle()).health?.state).toBe("degraded");
    expect((await channel()).quarantineUntil).toBeNull();
    expect((await channel()).failingCycles).toBe(0);
    proxy.clear();
    await retryNow({ channelId: w.channelId, ...admin });
    expect((await w.cycle()).health?.state).toBe("healthy");
  });
});

describe("record backoff", () => {
  it("a record the target keeps refusing waits longer each time; retry now and a directory change send it at once", async () => {
    const uid = await newMember();
    const rule = { method: "POST", pathIncludes: "/Users", times: 1000, status: 400, body: "title is too long" };
    proxy.inject(rule);
    await w.cycle();
    let rec = await userRecord(w.channelId, uid);
    expect(rec?.attempts).toBe(1);
    // the first failure is tried again at the next cycle
    expect(rec?.nextAttemptAt).toBeNull();

    await w.cycle();
    rec = await userRecord(w.channelId, uid);
    expect(rec?.attempts).toBe(2);
    const wait = rec!.nextAttemptAt!.getTime() - Date.now();
    expect(wait).toBeGreaterThan(50_000);
    expect(wait).toBeLessThanOrEqual(60_000);

    // the next cycle does not send it (the log of the proxy shows no POST)
    const mark = proxy.log.length;
    await w.cycle();
    expect(proxy.log.slice(mark).filter((l) => l.method === "POST")).toHaveLength(0);
    rec = await userRecord(w.channelId, uid);
    expect(rec?.attempts).toBe(2);
    expect(rec?.dirty).toBe(true);

    // retry now (one record): sent by the next cycle; refused again it waits 2 minutes
    const one = await retryNow({ channelId: w.channelId, record: { kind: "user", id: String(rec!.id) }, ...admin });
    expect(one.users).toBe(1);
    await w.cycle();
    rec = await userRecord(w.channelId, uid);
    expect(rec?.attempts).toBe(3);
    expect(rec!.nextAttemptAt!.getTime() - Date.now()).toBeGreaterThan(110_000);

    // a change in the directory is new data: sent at once, and the target takes it now
    proxy.clear();
    await w.slapd.modify(`uid=${uid},${w.slapd.peopleDn}`, { sn: "Changed" });
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(false);
    expect(rec?.attempts).toBe(0);
    expect(rec?.nextAttemptAt).toBeNull();
  });

  it("retry now for the whole channel: every waiting record is due again, and asking about a record that is not dirty says so", async () => {
    const uid = await newMember();
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1000, status: 400, body: "no" });
    await w.cycle();
    await w.cycle();
    expect((await userRecord(w.channelId, uid))?.nextAttemptAt).not.toBeNull();
    const all = await retryNow({ channelId: w.channelId, ...admin });
    expect(all.users).toBeGreaterThanOrEqual(1);
    expect((await userRecord(w.channelId, uid))?.nextAttemptAt).toBeNull();
    proxy.clear();
    await w.cycle();
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(false);
    await expect(retryNow({ channelId: w.channelId, record: { kind: "user", id: String(rec!.id) }, ...admin })).rejects.toThrow(/no dirty user record/);
  });
});

describe("run a cycle now", () => {
  it("asks for the next cycle now; a full one clears the group timestamp; refused while quarantined or inactive", async () => {
    const { runCycleNow } = await import("../../lib/channels/run-now.ts");
    const db = await getDb();
    await w.cycle();
    expect((await channel()).groupTimestamp).not.toBeNull();
    const r = await runCycleNow({ channelId: w.channelId, full: true, ...admin });
    expect(r.full).toBe(true);
    expect((await channel()).groupTimestamp).toBeNull();
    // the cycle it asked for reads the whole scope
    const c = await w.cycle();
    expect(c.stats.mode).toBe("full");
    const audit = (await listAudit({ channelId: w.channelId, action: "run-full-cycle-now", limit: 5 })).items;
    expect(audit).toHaveLength(1);

    await db.channel.update({ where: { id: w.channelId }, data: { quarantineUntil: new Date(Date.now() + 60_000) } });
    await expect(runCycleNow({ channelId: w.channelId, full: false, ...admin })).rejects.toThrow(/quarantined until .*release it from quarantine/);
    await db.channel.update({ where: { id: w.channelId }, data: { quarantineUntil: null, active: false } });
    await expect(runCycleNow({ channelId: w.channelId, full: false, ...admin })).rejects.toThrow(/is inactive/);
    await db.channel.update({ where: { id: w.channelId }, data: { active: true } });
    // provmgr says the same
    const out = await provmgr(["-c", String(w.channelId), "--run-cycle-now"]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toMatch(/a cycle runs (now|at the channel's next cycle)/);
  });
});
