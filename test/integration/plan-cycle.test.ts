// The plan (dry run) of a channel's next cycle (lib/channels/plan-cycle.ts) against real
// slapd, a real SCIM service behind the fault proxy (whose log shows every request that
// reached the target) and real PostgreSQL: what it lists, that it leaves the store
// exactly as it was and sends nothing, and that the next real cycle does what it said.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { planCycle, type TPlan } from "../../lib/channels/plan-cycle.ts";
import { getDb } from "../../lib/db/index.ts";
import { getEnv } from "../../lib/env.ts";
import { Lease } from "../../lib/sync/lease.ts";
import * as planRoute from "../../app/api/v1/channels/[id]/plan/route.ts";
import * as newPlanRoute from "../../app/api/v1/channels/plan/route.ts";
import { createApiToken } from "../../lib/api-tokens/create-api-token.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { callRoute } from "../helpers/route-call.ts";
import { provmgr } from "./provmgr.helpers.ts";

/** Every row of the tables a cycle or a plan could write, as text (the audit log too, unless told). */
async function storeSnapshot(opts: { audit?: boolean } = {}): Promise<string> {
  const db = await getDb();
  const out: string[] = [];
  for (const [table, order] of [
    ["channel", "id"],
    ["user_record", "id"],
    ["group_record", "id"],
    ["group_member", "group_id, user_id"],
    ["deprovision_hold", "id"],
    ["cycle", "id"],
    ["audit_log", "id"],
  ] as const) {
    if (table === "audit_log" && opts.audit === false) continue;
    const [r] = await db.$queryRawUnsafe<Array<{ rows: string | null }>>(`SELECT json_agg(x)::text AS rows FROM (SELECT * FROM ${table} ORDER BY ${order}) x`);
    out.push(`${table}: ${r?.rows ?? "[]"}`);
  }
  return out.join("\n");
}

let w: TWorld;
let proxy: FaultProxy;
const dns: string[] = [];
let teamDn: string;
const groupDn = () => `cn=app-users,${w.slapd.groupsDn}`;

/** Plans, and checks that the store did not change and that the target heard nothing. */
async function planQuietly(full = false): Promise<TPlan> {
  const before = await storeSnapshot();
  const requests = proxy.log.length;
  const plan = await planCycle({ channelId: w.channelId, full, limit: 50 });
  expect(await storeSnapshot()).toBe(before);
  expect(proxy.log.slice(requests)).toEqual([]);
  return plan;
}

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    configure: (c) => {
      c.options.maxDeprovisionPercent = 30;
      c.options.deprovisionGuardMinimum = 2;
    },
  });
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => (c.target.url = proxy.baseUrl));
  for (let i = 0; i < 10; i++) dns.push(await w.slapd.addUser({ uid: `p${i}`, givenName: `Given${i}`, sn: `S${i}`, mail: `p${i}@example.com` }));
  await w.slapd.addMembers(groupDn(), dns);
  teamDn = await w.slapd.addGroup("team", [dns[0]!, dns[1]!]);
  const first = await w.cycle();
  expect(first.status, first.message).toBe("SUCCESS");
  expect((await w.scim.listUsers()).length).toBe(10);
});
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

describe("plan of the next cycle", () => {
  it("lists nothing when nothing changed", async () => {
    const plan = await planQuietly();
    expect(plan.counts.users).toEqual({ create: 0, update: 0, enable: 0, disable: 0, delete: 0 });
    expect(plan.counts.groups).toEqual({ create: 0, rename: 0, members: 0, delete: 0 });
    expect(plan.held).toEqual([]);
  });

  it("lists a new user, a changed mapped attribute with its diff, a user removed from the group and a group's new member; the next cycle does exactly that", async () => {
    const newDn = await w.slapd.addUser({ uid: "newbie", givenName: "New", sn: "Comer", mail: "newbie@example.com" });
    await w.slapd.addMembers(groupDn(), [newDn]);
    await w.slapd.addMembers(teamDn, [newDn]);
    await w.slapd.modify(dns[2]!, { givenName: "Renamed" });
    await w.slapd.removeMembers(groupDn(), [dns[3]!]);

    const plan = await planQuietly();
    expect(plan.counts.users).toEqual({ create: 1, update: 1, enable: 0, disable: 1, delete: 0 });
    expect(plan.counts.groups).toEqual({ create: 0, rename: 0, members: 1, delete: 0 });
    expect(plan.held).toEqual([]);

    const created = plan.items.users.create[0]!;
    expect(created).toMatchObject({ userName: "newbie", dn: newDn, carriedOver: false });
    expect(created.changes).toContainEqual({ attribute: "name.givenName", from: null, to: "New" });
    const updated = plan.items.users.update[0]!;
    expect(updated.userName).toBe("p2");
    // only what changed, against what the target acknowledged
    expect(updated.changes).toEqual([{ attribute: "name.givenName", from: "Given2", to: "Renamed" }]);
    expect(plan.items.users.disable.map((u) => u.userName)).toEqual(["p3"]);
    expect(plan.items.users.disable[0]!.changes).toEqual([{ attribute: "active", from: true, to: false }]);
    const team = plan.items.groups.members[0]!;
    expect(team).toMatchObject({ displayName: "team", add: { count: 1, sample: ["newbie"] }, remove: { count: 0, sample: [] } });

    // planning twice plans the same: the first left nothing behind
    const again = await planQuietly();
    expect(again.counts).toEqual(plan.counts);

    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.pushed).toEqual({ CREATE: 1, UPDATE: 1, DISABLE: 1, GROUP_UPDATE: 1 });
    const users = await w.scim.listUsers();
    expect(users.find((u) => u.userName === "newbie")).toBeDefined();
    expect(users.find((u) => u.userName === "p3")?.active).toBe(false);
    const p2 = users.find((u) => u.userName === "p2") as { name?: { givenName?: string } } | undefined;
    expect(p2?.name?.givenName).toBe("Renamed");
    const groups = await w.scim.listGroups();
    const newbieId = users.find((u) => u.userName === "newbie")!.id;
    expect(groups.find((g) => g.displayName === "team")?.members).toContain(newbieId);

    // and after it, nothing is left to plan
    const after = await planQuietly();
    expect(after.counts.users).toEqual({ create: 0, update: 0, enable: 0, disable: 0, delete: 0 });
    expect(after.counts.groups).toEqual({ create: 0, rename: 0, members: 0, delete: 0 });
  });

  it("shows a mass removal as held by the guard, with who, and deprovisions no one in the plan's counts; the next cycle holds the same", async () => {
    const removed = dns.slice(4, 10);
    await w.slapd.removeMembers(groupDn(), removed);

    const plan = await planQuietly();
    expect(plan.counts.users.disable).toBe(0);
    expect(plan.held).toHaveLength(1);
    const held = plan.held[0]!;
    expect(held).toMatchObject({ kind: "users", isNew: true, status: "HELD", rule: "percent", count: 6 });
    expect(held.sample.map((s) => s.name).sort()).toEqual(["p4", "p5", "p6", "p7", "p8", "p9"]);
    expect(held.reason).toMatch(/above the channel's limit of 30%/);

    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.stats.heldBack.users).toBe(6);
    expect(r.stats.pushed.DISABLE ?? 0).toBe(0);
    expect((await w.scim.listUsers()).filter((u) => u.active).length).toBe(10); // 10 of 11 (p3 disabled)

    // a hold already open is shown as open, not as new
    const next = await planQuietly();
    expect(next.held[0]).toMatchObject({ kind: "users", isNew: false, count: 6 });
    expect(next.mode).toBe("full");
  });

  it("the API (viewer) and provmgr --show-plan give the plan, and change nothing either", async () => {
    await w.slapd.modify(dns[0]!, { givenName: "Zed" });
    const { token } = await createApiToken({ name: "plan-viewer", role: "viewer", actor: "test", via: "test" });
    const before = await storeSnapshot();
    const requests = proxy.log.length;

    const res = await callRoute(planRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/plan?limit=3`, params: { id: String(w.channelId) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.counts.users).toMatchObject({ update: 1, disable: 0 });
    expect(res.body.items.users.update[0]).toMatchObject({ userName: "p0", changes: [{ attribute: "name.givenName", from: "Given0", to: "Zed" }] });
    expect(res.body.held[0]).toMatchObject({ kind: "users", count: 6 });
    expect(res.body.held[0].sample).toHaveLength(3); // limit
    const bad = await callRoute(planRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/plan?limit=0`, params: { id: String(w.channelId) } });
    expect(bad.status).toBe(400);
    // a full plan holds the channel's cycles while it reads everything: operators only
    const full = await callRoute(planRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/plan?full=1`, params: { id: String(w.channelId) } });
    expect(full.status).toBe(403);
    expect(full.body.error.message).toMatch(/operator role/);

    const text = await provmgr(["-c", String(w.channelId), "--show-plan"]);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/Users: {2}0 create, 1 update, 0 enable, 0 disable, 0 delete/);
    expect(text.stdout).toMatch(/Held by the deprovisioning guard \(held already\): 6 users/);
    expect(text.stdout).toMatch(/Users to update \(1\):\n {2}p0 {2}uid=p0,/);
    expect(text.stdout).toContain("name.givenName: Given0 -> Zed");
    const json = await provmgr(["-c", String(w.channelId), "--show-plan", "--full", "--json"]);
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc).toMatchObject({ command: "show-plan", mode: "full", counts: { users: { update: 1 } } });
    expect(doc.reasons).toContain("full cycle asked for");

    expect(await storeSnapshot()).toBe(before);
    expect(proxy.log.slice(requests)).toEqual([]);
  });

  it("previews an edit of the mapping before it is saved (admin, audited): every user in scope updated with the new value; nothing saved, nothing sent", async () => {
    const { token: admin } = await createApiToken({ name: "plan-admin", role: "admin", actor: "test", via: "test" });
    const { token: viewer } = await createApiToken({ name: "plan-viewer-2", role: "viewer", actor: "test", via: "test" });
    const edit = structuredClone(w.channelConfig);
    edit.mapping = { userName: "uid", "name.givenName": "givenName", "name.familyName": "sn", "emails.work": "mail", displayName: "sn" };
    const before = await storeSnapshot({ audit: false });
    const requests = proxy.log.length;
    const call = (token: string) =>
      callRoute(planRoute.POST as never, { token, method: "POST", path: `/api/v1/channels/${w.channelId}/plan`, params: { id: String(w.channelId) }, body: { config: edit } });
    expect((await call(viewer)).status).toBe(403);
    const res = await call(admin);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ rulesChanged: true, scopeChanged: false, mode: "full" });
    expect(res.body.reasons).toContain("attribute sync timestamp reset");
    // p0, p1, p2 and newbie are in scope and active at the target: each gets the new displayName (p3 is disabled, p4–p9 held)
    expect(res.body.counts.users).toMatchObject({ create: 0, update: 4, disable: 0 });
    const p2 = res.body.items.users.update.find((u: { userName: string }) => u.userName === "p2");
    expect(p2.changes).toEqual([{ attribute: "displayName", from: "Given2 S2", to: "S2" }]);
    expect(await storeSnapshot({ audit: false })).toBe(before);
    expect(proxy.log.slice(requests)).toEqual([]);
    const db = await getDb();
    expect(await db.auditLog.count({ where: { channelId: w.channelId, action: "channel.preview-edit" } })).toBe(1);
    // the stored channel still has the old mapping
    const stored = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
    expect((stored.mapping as { user: Record<string, string> }).user.displayName).toBe("cn");
  });

  it("plans a new channel's first cycle before it is created (admin, audited): every user and group in scope to create; nothing created, nothing sent", async () => {
    const { token: admin } = await createApiToken({ name: "plan-admin-new", role: "admin", actor: "test", via: "test" });
    const { token: operator } = await createApiToken({ name: "plan-operator-new", role: "operator", actor: "test", via: "test" });
    const fresh = { ...structuredClone(w.channelConfig), name: "not created yet", connectionId: "not-created-yet" };
    const before = await storeSnapshot({ audit: false });
    const requests = proxy.log.length;
    const call = (token: string, config: unknown) => callRoute(newPlanRoute.POST as never, { token, method: "POST", path: "/api/v1/channels/plan", body: { config } });
    expect((await call(operator, fresh)).status).toBe(403);
    const res = await call(admin, fresh);
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const db = await getDb();
    const inScope = await db.userRecord.count({ where: { channelId: w.channelId, sourceState: "IN_SCOPE" } });
    expect(res.body).toMatchObject({ mode: "full", channelName: "not created yet" });
    expect(res.body.counts.users).toMatchObject({ create: inScope, update: 0, disable: 0, delete: 0 });
    expect(res.body.counts.groups.create).toBeGreaterThan(0);
    expect(res.body.items.users.create.map((u: { userName: string }) => u.userName)).toContain("p0");
    expect(await storeSnapshot({ audit: false })).toBe(before);
    expect(proxy.log.slice(requests)).toEqual([]);
    expect(await db.auditLog.count({ where: { action: "channel.preview-create", details: { path: ["name"], equals: "not created yet" } } })).toBe(1);
    // a name another channel has is refused on the name field, as creating it would be
    const clash = await call(admin, { ...fresh, name: w.channelConfig.name });
    expect(clash.status).toBe(409);
    expect(clash.body.error.details.issues).toEqual([{ path: "name", message: "this name is taken" }]);
  });

  it("lists a renamed group with the name the target holds, and the next cycle renames exactly it (beside the pending update and the open hold)", async () => {
    teamDn = await w.slapd.rename(teamDn, "cn=crew");
    const plan = await planQuietly();
    expect(plan.counts.groups).toEqual({ create: 0, rename: 1, members: 0, delete: 0 });
    expect(plan.items.groups.rename[0]).toMatchObject({ displayName: "crew", ackedName: "team", dn: teamDn });
    expect(plan.counts.users).toEqual({ create: 0, update: 1, enable: 0, disable: 0, delete: 0 });
    expect(plan.items.users.update[0]).toMatchObject({ userName: "p0" });

    const r = await w.cycle();
    expect(r.stats.pushed).toEqual({ UPDATE: 1, GROUP_UPDATE: 1 });
    expect(r.stats.heldBack.users).toBe(6);
    expect((await w.scim.listGroups()).map((g) => g.displayName)).toContain("crew");
    expect((await w.scim.listGroups()).map((g) => g.displayName)).not.toContain("team");
  });

  it("is refused while a cycle holds the channel's lease", async () => {
    const db = await getDb();
    const lease = await Lease.acquire({ db, channelId: w.channelId, durationSec: getEnv().FERRY_LEASE_SEC });
    try {
      await expect(planCycle({ channelId: w.channelId })).rejects.toMatchObject({ code: "CYCLE_RUNNING" });
    } finally {
      await lease.release();
    }
  });

  it("a cycle that wants the lease while a plan holds it waits for the plan's rollback, then takes it", async () => {
    const db = await getDb();
    let release!: () => void;
    const planOpen = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const planHolds = new Promise<void>((r) => (held = r));
    const plan = db
      .$transaction(async (tx) => {
        await Lease.holdForPlan(tx, w.channelId, getEnv().FERRY_LEASE_SEC);
        held();
        await planOpen;
        throw new Error("rolled back");
      })
      .catch((err: Error) => err.message);
    await planHolds;
    let acquired = false;
    const cycle = Lease.acquire({ db, channelId: w.channelId, durationSec: getEnv().FERRY_LEASE_SEC }).then((l) => {
      acquired = true;
      return l;
    });
    await new Promise((r) => setTimeout(r, 300));
    expect(acquired).toBe(false);
    release();
    expect(await plan).toBe("rolled back");
    const lease = await cycle;
    expect(acquired).toBe(true);
    await lease.release();
  });

  it("a second plan of the channel while one is being made is refused after a few seconds, not left waiting", async () => {
    const db = await getDb();
    let release!: () => void;
    const planOpen = new Promise<void>((r) => (release = r));
    let held!: () => void;
    const planHolds = new Promise<void>((r) => (held = r));
    const first = db
      .$transaction(async (tx) => {
        await Lease.holdForPlan(tx, w.channelId, getEnv().FERRY_LEASE_SEC);
        held();
        await planOpen;
        throw new Error("rolled back");
      }, { timeout: 30_000 })
      .catch((err: Error) => err.message);
    await planHolds;
    const t0 = Date.now();
    try {
      await expect(planCycle({ channelId: w.channelId })).rejects.toMatchObject({ code: "CYCLE_RUNNING", message: expect.stringMatching(/another plan of it is being made/) });
      expect(Date.now() - t0).toBeLessThan(9_000);
    } finally {
      release();
      await first;
    }
  });

  it("a directory that cannot be read is an error, never a plan that deprovisions everyone", async () => {
    await w.reconfigure((c) => (c.source.url = "ldap://127.0.0.1:1"));
    const before = await storeSnapshot();
    await expect(planCycle({ channelId: w.channelId, full: true })).rejects.toMatchObject({ code: "LDAP_ERROR" });
    expect(await storeSnapshot()).toBe(before);
  });
});
