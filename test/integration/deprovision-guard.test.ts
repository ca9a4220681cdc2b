// One guard for every path that can deprovision (lib/sync/deprovision.ts): users who
// left a filter scope on an incremental read, users disabled in the directory, groups
// gone from the scope, entries returned without their GUID — each held past the
// channel's limits until approved or changed back. Real slapd, real SCIM services,
// real PostgreSQL. (The emptied provisioning group is test/integration/emptied-group.test.ts;
// random sequences of directory changes are deprovision-property.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { approveDeprovisioning, rejectDeprovisioning } from "../../lib/channels/decide-deprovisioning.ts";
import { listDeprovisionHolds } from "../../lib/channels/list-deprovision-holds.ts";
import { resetGroupTimestamp } from "../../lib/channels/reset-group-timestamp.ts";
import { ZOptions, type TOptions } from "../../lib/channel-config/config.ts";
import { getDb } from "../../lib/db/index.ts";
import { rawViaPrisma } from "../../lib/db/raw.ts";
import { createLogger } from "../../lib/log.ts";
import { emptyStats, type TCycleContext } from "../../lib/sync/context.ts";
import { deprovisionAction, type TSourceState, type TTargetState } from "../../lib/sync/decide.ts";
import { decideDeprovisioning } from "../../lib/sync/deprovision.ts";
import { Lease } from "../../lib/sync/lease.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

const guard = (c: Record<string, any>) => {
  c.options.maxDeprovisionPercent = 30;
  c.options.deprovisionGuardMinimum = 2;
};

async function activeAtTarget(w: TWorld): Promise<number> {
  return (await w.scim.listUsers()).filter((u) => u.active).length;
}

describe("users who leave a filter scope between two full reads", () => {
  let w: TWorld;
  const dns: string[] = [];
  beforeAll(async () => {
    w = await startWorld({ target: "scimmy", scope: "filter", configure: guard });
    for (let i = 0; i < 20; i++) dns.push(await w.slapd.addUser({ uid: `f${i}`, givenName: "F", sn: `${i}`, mail: `f${i}@example.com`, employeeType: "staff" }));
    expect((await w.cycle()).status).toBe("SUCCESS");
    expect(await activeAtTarget(w)).toBe(20);
  });
  afterAll(() => w?.stop());

  it("are counted by the guard on an incremental read, held on every later cycle, and released when the limit is raised", async () => {
    for (const dn of dns.slice(0, 10)) await w.slapd.modify(dn, { employeeType: "contractor" });
    const r = await w.cycle();
    expect(r.stats.mode).toBe("incremental");
    expect(r.stats.usersLeftScope).toBe(10);
    expect(r.status).toBe("PARTIAL");
    expect(r.message).toMatch(/10 of 20 provisioned users \(50%\) would be deprovisioned, above the channel's limit of 30%; 10 deprovisioning\(s\) held for approval/);
    expect(await activeAtTarget(w)).toBe(20);

    // the next cycle reads everything again and holds again: nothing leaks
    const again = await w.cycle();
    expect(again.stats.mode).toBe("full");
    expect(again.stats.reasons).toContain("deprovisioning held: the whole scope is read again");
    expect(again.status).toBe("PARTIAL");
    expect(await activeAtTarget(w)).toBe(20);
    const holds = await listDeprovisionHolds({ channelId: w.channelId });
    expect(holds.open).toHaveLength(1);
    expect(holds.open[0]).toMatchObject({ kind: "users", status: "HELD", rule: "percent", count: 10, base: 20 });
    expect(holds.open[0]!.sample.map((s) => s.name).sort()).toEqual(dns.slice(0, 10).map((_, i) => `f${i}`).sort());

    // an administrator who decides 50% is right raises the limit: the next cycle releases them
    await w.reconfigure((c) => (c.options.maxDeprovisionPercent = 60));
    const raised = await w.cycle();
    expect(raised.status, raised.message).toBe("SUCCESS");
    expect(raised.stats.released.users).toBe(10);
    expect(await activeAtTarget(w)).toBe(10);
    const after = await listDeprovisionHolds({ channelId: w.channelId });
    expect(after.open).toHaveLength(0);
    expect(after.closed[0]).toMatchObject({ status: "RESOLVED", outcome: "within the channel's limits now: 10 users released" });
    const db = await getDb();
    expect(await db.userRecord.count({ where: { channelId: w.channelId, holdId: { not: null } } })).toBe(0);
  });
});

describe("users disabled in the directory, and groups gone from the scope", () => {
  let w: TWorld;
  const dns: string[] = [];
  const groups: string[] = [];
  beforeAll(async () => {
    w = await startWorld({ target: "scimmy", configure: guard });
    for (let i = 0; i < 20; i++) dns.push(await w.slapd.addUser({ uid: `d${i}`, givenName: "D", sn: `${i}`, mail: `d${i}@example.com` }));
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
    for (let i = 0; i < 5; i++) groups.push(await w.slapd.addGroup(`team${i}`, dns.slice(i, i + 3)));
    expect((await w.cycle()).status).toBe("SUCCESS");
    expect(await activeAtTarget(w)).toBe(20);
    expect(await w.scim.listGroups()).toHaveLength(5);
  });
  afterAll(() => w?.stop());

  it("a mass disable in the directory is held like a mass removal, and lets go when the directory changes back", async () => {
    for (const dn of dns.slice(0, 12)) await w.slapd.modify(dn, { employeeType: "disabled" });
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.message).toMatch(/12 of 20 provisioned users \(60%\) would be deprovisioned/);
    expect(await activeAtTarget(w)).toBe(20);
    const db = await getDb();
    expect(await db.userRecord.count({ where: { channelId: w.channelId, sourceState: "DISABLED", holdId: { not: null } } })).toBe(12);

    for (const dn of dns.slice(0, 12)) await w.slapd.modify(dn, { employeeType: null });
    const sent = w.scim.requestCount();
    const back = await w.cycle();
    expect(back.status, back.message).toBe("SUCCESS");
    expect(await activeAtTarget(w)).toBe(20);
    expect(back.stats.pushed).toEqual({});
    expect(w.scim.requestCount() - sent).toBeLessThanOrEqual(2); // discovery only
    expect((await listDeprovisionHolds({ channelId: w.channelId })).closed[0]).toMatchObject({ status: "RESOLVED" });
  });

  it("a few users disabled stay within the limit and are deprovisioned at once", async () => {
    await w.slapd.modify(dns[19]!, { employeeType: "disabled" });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.released.users).toBe(1);
    expect(await activeAtTarget(w)).toBe(19);
  });

  it("deleting most groups is held; an approval deletes exactly those", async () => {
    for (const g of groups.slice(0, 4)) await w.slapd.remove(g);
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.message).toMatch(/4 of 5 provisioned groups \(80%\) would be deprovisioned.*4 group deletion\(s\) held for approval/);
    expect(await w.scim.listGroups()).toHaveLength(5);
    const { open } = await listDeprovisionHolds({ channelId: w.channelId });
    expect(open).toMatchObject([{ kind: "groups", count: 4 }]);
    await approveDeprovisioning({ channelId: w.channelId, holdId: open[0]!.id, count: 4, actor: "alice", via: "test" });
    const done = await w.cycle();
    expect(done.status, done.message).toBe("SUCCESS");
    expect((await w.scim.listGroups()).map((g) => g.displayName)).toEqual(["team4"]);
  });
});

describe("a count limit (maxDeprovisionCount)", () => {
  let w: TWorld;
  const dns: string[] = [];
  beforeAll(async () => {
    w = await startWorld({
      target: "scimmy",
      configure: (c) => {
        c.options.maxDeprovisionPercent = 100;
        c.options.deprovisionGuardMinimum = 0;
        c.options.maxDeprovisionCount = 3;
      },
    });
    for (let i = 0; i < 10; i++) dns.push(await w.slapd.addUser({ uid: `c${i}`, givenName: "C", sn: `${i}`, mail: `c${i}@example.com` }));
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
    expect((await w.cycle()).status).toBe("SUCCESS");
  });
  afterAll(() => w?.stop());

  it("holds more than it at once even where the share is allowed, and lets go of as many as it allows", async () => {
    for (const dn of dns.slice(0, 4)) await w.slapd.modify(dn, { employeeType: "disabled" });
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.message).toMatch(/4 of 10 provisioned users would be deprovisioned at once, above the channel's limit of 3/);
    expect(await activeAtTarget(w)).toBe(10);
    expect((await listDeprovisionHolds({ channelId: w.channelId })).open[0]).toMatchObject({ rule: "count", count: 4 });

    await w.slapd.modify(dns[3]!, { employeeType: null });
    const three = await w.cycle();
    expect(three.status, three.message).toBe("SUCCESS");
    expect(three.stats.released.users).toBe(3);
    expect(await activeAtTarget(w)).toBe(7);
  });
});

describe("a held deprovisioning an administrator rejects", () => {
  let w: TWorld;
  const dns: string[] = [];
  beforeAll(async () => {
    w = await startWorld({ target: "scimmy", configure: guard });
    for (let i = 0; i < 20; i++) dns.push(await w.slapd.addUser({ uid: `r${i}`, givenName: "R", sn: `${i}`, mail: `r${i}@example.com` }));
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
    expect((await w.cycle()).status).toBe("SUCCESS");
    expect(await activeAtTarget(w)).toBe(20);
  });
  afterAll(() => w?.stop());

  async function holdOf(status: string) {
    const { open } = await listDeprovisionHolds({ channelId: w.channelId });
    return open.find((h) => h.status === status);
  }

  it("keeps exactly those users at the target, is not held again, and lets the guard judge the others alone", async () => {
    for (const dn of dns.slice(0, 12)) await w.slapd.modify(dn, { employeeType: "disabled" });
    expect((await w.cycle()).status).toBe("PARTIAL");
    const held = (await holdOf("HELD"))!;
    expect(held.count).toBe(12);

    // a stale count is refused: the admin must review what the hold covers now
    await expect(rejectDeprovisioning({ channelId: w.channelId, holdId: held.id, count: 11, actor: "bob", via: "test" })).rejects.toThrow(/now covers 12 users, not the 11/);
    await rejectDeprovisioning({ channelId: w.channelId, holdId: held.id, count: 12, reason: "HR export truncated", actor: "bob", via: "test" });
    await expect(rejectDeprovisioning({ channelId: w.channelId, holdId: held.id, count: 12, actor: "bob", via: "test" })).rejects.toThrow(/is rejected: nothing to reject/);
    const db = await getDb();
    const audit = await db.auditLog.findFirst({ where: { channelId: w.channelId, action: "deprovisioning.reject" } });
    expect(audit).toMatchObject({ actor: "bob", details: { hold: held.id, count: 12, note: "HR export truncated" } });

    // the next cycles send nothing and hold nothing new: the rejection is not asked again
    const sent = w.scim.requestCount();
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.released.users).toBe(0);
    expect(await activeAtTarget(w)).toBe(20);
    expect(w.scim.requestCount() - sent).toBeLessThanOrEqual(2); // discovery only
    expect(await holdOf("HELD")).toBeUndefined();
    expect(await holdOf("REJECTED")).toMatchObject({ id: held.id, count: 12, rejectedBy: "bob", rejectReason: "HR export truncated" });

    // a user who leaves after the rejection is judged on its own: one is within the limit
    await w.slapd.modify(dns[19]!, { employeeType: "disabled" });
    const one = await w.cycle();
    expect(one.status, one.message).toBe("SUCCESS");
    expect(one.stats.released.users).toBe(1);
    expect(await activeAtTarget(w)).toBe(19);
    expect((await w.scim.listUsers()).find((u) => u.userName === "r19")?.active).toBe(false);
  });

  it("lets go of users who come back, and an approval after all deprovisions exactly those still kept", async () => {
    for (const dn of dns.slice(0, 2)) await w.slapd.modify(dn, { employeeType: null });
    expect((await w.cycle()).status).toBe("SUCCESS");
    const rejected = (await holdOf("REJECTED"))!;
    expect(rejected.count).toBe(10);
    const db = await getDb();
    expect(await db.userRecord.count({ where: { channelId: w.channelId, holdId: BigInt(rejected.id) } })).toBe(10);

    await approveDeprovisioning({ channelId: w.channelId, holdId: rejected.id, count: 10, actor: "alice", via: "test" });
    const done = await w.cycle();
    expect(done.status, done.message).toBe("SUCCESS");
    expect(done.stats.released.users).toBe(10);
    const active = (await w.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort();
    expect(active).toEqual(["r0", "r1", ...dns.slice(12, 19).map((_, i) => `r${12 + i}`)].sort());
    expect((await listDeprovisionHolds({ channelId: w.channelId })).closed[0]).toMatchObject({ id: rejected.id, status: "RELEASED" });
  });

  it("is resolved when every user it kept comes back", async () => {
    for (const dn of dns.slice(0, 12)) await w.slapd.modify(dn, { employeeType: null });
    expect((await w.cycle()).status).toBe("SUCCESS");
    expect(await activeAtTarget(w)).toBe(19);
    // the same mass change again, rejected again; then the directory is put right
    for (const dn of dns.slice(0, 12)) await w.slapd.modify(dn, { employeeType: "disabled" });
    expect((await w.cycle()).status).toBe("PARTIAL");
    const held = (await holdOf("HELD"))!;
    await rejectDeprovisioning({ channelId: w.channelId, holdId: held.id, count: held.count, actor: "bob", via: "test" });
    for (const dn of dns.slice(0, 12)) await w.slapd.modify(dn, { employeeType: null });
    expect((await w.cycle()).status).toBe("SUCCESS");
    const { open, closed } = await listDeprovisionHolds({ channelId: w.channelId });
    expect(open).toHaveLength(0);
    expect(closed[0]).toMatchObject({ id: held.id, status: "RESOLVED", outcome: expect.stringMatching(/^rejected by bob; every record it kept came back/) });
    expect(await activeAtTarget(w)).toBe(19);
  });
});

describe("entries returned without their GUID", () => {
  let w: TWorld;
  const dns: string[] = [];
  beforeAll(async () => {
    w = await startWorld({
      target: "scimmy",
      configure: (c) => {
        guard(c);
        c.source.guidAttribute = "employeeNumber";
      },
    });
    for (let i = 0; i < 20; i++) {
      dns.push(await w.slapd.addUser({ uid: `g${i}`, givenName: "G", sn: `${i}`, mail: `g${i}@example.com`, extra: { employeeNumber: `E${i}` } }));
    }
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
    expect((await w.cycle()).status).toBe("SUCCESS");
  });
  afterAll(() => w?.stop());

  it("are not taken for users who are gone (e.g. read rights on the GUID attribute narrowed)", async () => {
    for (const dn of dns.slice(0, 5)) await w.slapd.modify(dn, { employeeNumber: null });
    await resetGroupTimestamp({ channelId: w.channelId, actor: "test", via: "test" });
    const r = await w.cycle();
    expect(r.stats.mode).toBe("full");
    expect(r.stats.usersSkipped).toBe(5);
    expect(r.stats.usersMissing).toBe(0);
    expect(await activeAtTarget(w)).toBe(20);
  });
});

describe("the SQL that counts and releases deprovisioning follows the rulebook", () => {
  it("for every source state, target state and option that matters", async () => {
    const tdb = await useTestDatabase();
    try {
      const db = await getDb();
      const { id: channelId } = await applyChannelConfig({
        actor: "test",
        via: "test",
        config: {
          name: "rules",
          connectionId: "rules",
          source: { url: "ldap://127.0.0.1:1", bindDn: "cn=x,dc=x", bindPassword: "x", baseDn: "dc=x", filter: "(uid=*)" },
          target: { url: "http://127.0.0.1:1/scim", auth: { type: "bearer", token: "x" } },
        },
      });
      const sources: TSourceState[] = ["IN_SCOPE", "DISABLED", "OUT_OF_SCOPE", "DELETED"];
      const targets: TTargetState[] = ["ABSENT", "ACTIVE", "INACTIVE"];
      const variants: Array<Partial<TOptions>> = [];
      for (const removeUserAction of ["disable", "delete"] as const)
        for (const provisionDisabledUsers of [false, true])
          for (const deprovisionUsers of [true, false]) variants.push({ removeUserAction, provisionDisabledUsers, deprovisionUsers });

      for (const variant of variants) {
        const options = ZOptions.parse({ ...variant, maxDeprovisionPercent: 100, deprovisionGuardMinimum: 1000 });
        await db.userRecord.deleteMany({ where: { channelId } });
        const combos = sources.flatMap((s) => targets.map((t) => ({ s, t })));
        for (const [i, { s, t }] of combos.entries()) {
          await db.userRecord.create({ data: { channelId, guid: `g${i}`, dn: `uid=${i},dc=x`, providerName: `u${i}`, sourceState: s, targetState: t } });
        }
        const lease = await Lease.acquire({ db, channelId, durationSec: 30 });
        const ctx: TCycleContext = {
          db,
          raw: rawViaPrisma(db),
          channel: { id: channelId, name: "rules", groupTimestamp: null, attributeSyncTimestamp: null, lastFullSyncAt: null },
          cfg: { options } as TCycleContext["cfg"],
          log: createLogger({}, () => undefined),
          stats: emptyStats(),
          lease,
        };
        await decideDeprovisioning(ctx, 0n);
        await lease.release();
        const rows = await db.userRecord.findMany({ where: { channelId }, orderBy: { id: "asc" } });
        const got = rows.map((r) => `${r.sourceState}/${r.targetState}: ${r.pendingAction}`);
        const want = combos.map(({ s, t }) => `${s}/${t}: ${deprovisionAction({ sourceState: s, targetState: t }, options)}`);
        expect(got, JSON.stringify(variant)).toEqual(want);
      }
    } finally {
      await tdb.cleanup();
    }
  });
});
