// Issue 15 items 4 and 5 against the real SCIMMY server (target.profile scimmy): a first
// load by the target's inventory — users matched in the store by userName (whatever its
// case), externalId, then e-mail, so each new user costs one create — and the unmanaged
// accounts it leaves: listed, adopted, ignored, and never disabled or deleted by Ferry,
// even with removeUserAction: delete and a full reconciliation of the target.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { adoptTargetAccount, ignoreTargetAccount } from "../../lib/channels/adopt-target-account.ts";
import { listUnmanagedAccounts } from "../../lib/channels/list-unmanaged.ts";
import { takeTargetInventory } from "../../lib/channels/take-target-inventory.ts";
import { testTargetConnection } from "../../lib/channels/test-target-connection.ts";
import { ZTargetEdit } from "../../lib/channel-config/config.ts";
import { SCIM_GROUP_SCHEMA, SCIM_USER_SCHEMA } from "../../devkit/scim-service.ts";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";
import { callRoute } from "../helpers/route-call.ts";
import { createApiToken } from "../../lib/api-tokens/create-api-token.ts";
import * as inventoryRoute from "../../app/api/v1/channels/[id]/inventory/route.ts";
import * as ignoreRoute from "../../app/api/v1/channels/[id]/inventory/ignore/route.ts";
import * as testTargetRoute from "../../app/api/v1/channels/[id]/test-target/route.ts";
import { parsed, provmgr } from "./provmgr.helpers.ts";

const NEW_USERS = 20;
let w: TWorld;
const pre: Record<string, string> = {};
const dns: Record<string, string> = {};
const actor = { actor: "test", via: "test" } as const;

async function preUser(userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const r = await w.scim.request("POST", "/Users", { schemas: [SCIM_USER_SCHEMA], userName, active: true, ...extra });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body.id;
}

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    configure: (cfg) => {
      cfg.target.profile = "scimmy";
      cfg.options.removeUserAction = "delete";
      cfg.options.maxDeprovisionPercent = 100;
    },
  });
  const add = async (uid: string, mail = `${uid}@example.com`) => (dns[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Inventory", mail }));
  await add("ann.case");
  await add("ext.user");
  await add("mail.user", "Mail.User@Example.com");
  for (let i = 0; i < NEW_USERS; i++) await add(`new${String(i).padStart(2, "0")}`);
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, Object.values(dns));
  await w.slapd.addGroup("Engineering", [dns["ann.case"]!, dns["new00"]!]);
  // a second group, so that deleting Engineering does not empty the group scope (which the guard holds)
  await w.slapd.addGroup("Stays", [dns["new01"]!]);

  // what the target holds before Ferry's first load: three of the directory's users under
  // another userName case, another userName with the directory GUID as externalId, another
  // userName with the same e-mail; and accounts and a group made by hand
  pre["ann.case"] = await preUser("Ann.Case");
  pre["ext.user"] = await preUser("ext-user-elsewhere", { externalId: await w.slapd.entryUUID(dns["ext.user"]!) });
  pre["mail.user"] = await preUser("mu-1234", { emails: [{ value: "mail.user@example.com", type: "work", primary: true }] });
  pre.handmade = await preUser("handmade.admin", { emails: [{ value: "admin@example.com", type: "work" }] });
  pre.lc = await preUser("lc-account");
  const eng = await w.scim.request("POST", "/Groups", { schemas: [SCIM_GROUP_SCHEMA], displayName: "Engineering", members: [] });
  pre.engineering = eng.body.id;
  const hand = await w.scim.request("POST", "/Groups", { schemas: [SCIM_GROUP_SCHEMA], displayName: "Handmade Group", members: [{ value: pre.handmade }] });
  pre.handGroup = hand.body.id;
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

describe("first load by inventory (SCIMMY, profile scimmy)", () => {
  it("matches by userName case-insensitively, externalId and e-mail; each new user is one create carrying the GUID as externalId", async () => {
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    const users = await w.scim.listUsers();
    // nobody duplicated: 5 there before + 20 new
    expect(users).toHaveLength(5 + NEW_USERS);
    for (const uid of ["ann.case", "ext.user", "mail.user"]) expect((await userRecord(w.channelId, uid))?.scimId, uid).toBe(pre[uid]);
    // the linked accounts now carry the directory's userName
    expect(users.find((u) => u.id === pre["ext.user"])?.userName).toBe("ext.user");
    const created = users.find((u) => u.userName === "new00")!;
    expect(created.raw.externalId).toBe(await w.slapd.entryUUID(dns["new00"]!));
    // discovery, one page of /Users and one of /Groups (the inventory), three PATCHes of the
    // linked users and one POST per new user; then Engineering, found in the inventory: its
    // members read once, one PATCH setting its externalId (the directory GUID) and one
    // adding its members; Stays, not there: one POST with its members
    const userRequests = 1 + 2 + 3 + NEW_USERS;
    expect(r.stats.scimRequests).toBe(userRequests + 3 + 1);
    expect(r.stats.phases["target.inventory"]).toBeGreaterThanOrEqual(0);
    const eng = (await w.scim.listGroups()).filter((g) => g.displayName === "Engineering");
    expect(eng).toHaveLength(1);
    expect(eng[0]!.id).toBe(pre.engineering);
    expect(new Set(eng[0]!.members)).toEqual(new Set([pre["ann.case"], created.id]));
  });

  it("Test target probes SCIMMY: the whole filter grammar, paging, PATCH; suggests scimmy", async () => {
    const target = ZTargetEdit.parse({ url: w.scim.baseUrl, auth: { type: "bearer", token: w.scim.token }, profile: "scimmy" });
    const r = await testTargetConnection({ ...actor, target: { ok: true, value: target } });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    if (!r.ok) return;
    expect(r.probe.filters).toEqual({ eq: true, and: true });
    expect(r.probe.paging.startIndex).toBe(true);
    expect(r.probe.patch).toBe(true);
    expect(r.suggestedProfile.profile).toBe("scimmy");
    expect(r.effective).toMatchObject({ profile: "scimmy", membersPerPatch: 1000, pageSize: 1000 });
    expect(r.warnings.filter((x) => /profile|membersPerPatch/.test(x))).toEqual([]);
  });
});

describe("unmanaged accounts", () => {
  it("lists the target users and groups no record is linked to", async () => {
    const users = await listUnmanagedAccounts({ channelId: w.channelId, kind: "user", includeIgnored: false, limit: 50 });
    expect(users.rows.map((r) => r.name).sort()).toEqual(["handmade.admin", "lc-account"]);
    expect(users.takenAt).not.toBeNull();
    const groups = await listUnmanagedAccounts({ channelId: w.channelId, kind: "group", includeIgnored: false, limit: 50 });
    expect(groups.rows.map((r) => r.name)).toEqual(["Handmade Group"]);
  });

  it("ignore hides one from the list (shown again when asked for ignored ones)", async () => {
    await ignoreTargetAccount({ ...actor, channelId: w.channelId, kind: "group", scimId: pre.handGroup!, ignore: true });
    expect((await listUnmanagedAccounts({ channelId: w.channelId, kind: "group", includeIgnored: false, limit: 50 })).rows).toEqual([]);
    const all = await listUnmanagedAccounts({ channelId: w.channelId, kind: "group", includeIgnored: true, limit: 50 });
    expect(all.rows).toEqual([expect.objectContaining({ name: "Handmade Group", ignored: true, ignoredBy: "test" })]);
  });

  it("adopt links an account to a directory user: its next push updates that account instead of creating one", async () => {
    // not in the store yet: refused, naming the user
    await expect(adoptTargetAccount({ ...actor, channelId: w.channelId, scimId: pre.lc!, user: "latecomer" })).rejects.toThrow(/no directory user "latecomer"/);
    // in scope but disabled in the directory: stored, not created (provisionDisabledUsers is off)
    dns.latecomer = await w.slapd.addUser({ uid: "latecomer", givenName: "Late", sn: "Comer", mail: "late@example.com", employeeType: "disabled" });
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dns.latecomer]);
    expect((await w.cycle()).status).toBe("SUCCESS");
    expect((await userRecord(w.channelId, "latecomer"))?.scimId).toBeNull();
    // a user already linked cannot adopt a second account
    await expect(adoptTargetAccount({ ...actor, channelId: w.channelId, scimId: pre.lc!, user: "ann.case" })).rejects.toThrow(/linked to target user/);
    const adopted = await adoptTargetAccount({ ...actor, channelId: w.channelId, scimId: pre.lc!, user: "LATECOMER" });
    expect(adopted.adoptedFor).toBe("latecomer");
    const listed = await listUnmanagedAccounts({ channelId: w.channelId, kind: "user", includeIgnored: false, limit: 50 });
    expect(listed.rows.find((r) => r.scimId === pre.lc)?.adoptedFor).toBe("latecomer");

    await w.slapd.modify(dns.latecomer, { employeeType: null });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect((await userRecord(w.channelId, "latecomer"))?.scimId).toBe(pre.lc);
    const users = await w.scim.listUsers();
    expect(users.filter((u) => u.userName === "latecomer")).toHaveLength(1);
    expect(users.find((u) => u.id === pre.lc)?.userName).toBe("latecomer");
    // linked now: no longer unmanaged (after the inventory is taken again too)
    await takeTargetInventory({ ...actor, channelId: w.channelId });
    const after = await listUnmanagedAccounts({ channelId: w.channelId, kind: "user", includeIgnored: false, limit: 50 });
    expect(after.rows.map((r) => r.name)).toEqual(["handmade.admin"]);
  });

  it("Ferry never disables or deletes an account it did not create or link: deletes, a full reconciliation and an emptied group leave them be", async () => {
    // a linked user leaves the scope: deleted (removeUserAction: delete); the hand-made ones stay
    await w.slapd.removeMembers(`cn=app-users,${w.slapd.groupsDn}`, [dns["ann.case"]!]);
    await w.slapd.remove(`cn=Engineering,${w.slapd.groupsDn}`);
    let r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    let users = await w.scim.listUsers();
    expect(users.find((u) => u.id === pre["ann.case"])).toBeUndefined();
    // a full reconciliation reads the whole target back
    await w.reconfigure((cfg) => (cfg.options.fullSyncIntervalSec = 1));
    await new Promise((res) => setTimeout(res, 1100));
    r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.drift.usersRead).toBeGreaterThan(0);
    users = await w.scim.listUsers();
    const handmade = users.find((u) => u.id === pre.handmade);
    expect(handmade).toMatchObject({ userName: "handmade.admin", active: true });
    const groups = await w.scim.listGroups();
    expect(groups.find((g) => g.id === pre.handGroup)?.members).toEqual([pre.handmade]);
    // Engineering was found by name and linked on the first load: deleting it in the directory deletes it
    expect(groups.find((g) => g.id === pre.engineering)).toBeUndefined();
  });
});

describe("the API and provmgr", () => {
  it("lists, ignores and tests through the API with the roles each needs", async () => {
    const viewer = (await createApiToken({ name: "inv-viewer", role: "viewer", actor: "test", via: "test" })).token;
    const operator = (await createApiToken({ name: "inv-operator", role: "operator", actor: "test", via: "test" })).token;
    const admin = (await createApiToken({ name: "inv-admin", role: "admin", actor: "test", via: "test" })).token;
    const params = { id: String(w.channelId) };
    const base = `/api/v1/channels/${w.channelId}/inventory`;
    const list = await callRoute(inventoryRoute.GET as never, { token: viewer, path: `${base}?kind=user`, params });
    expect(list.status).toBe(200);
    expect(list.body.rows.map((r: { name: string }) => r.name)).toEqual(["handmade.admin"]);
    expect((await callRoute(inventoryRoute.POST as never, { token: viewer, path: base, params })).status).toBe(403);
    const taken = await callRoute(inventoryRoute.POST as never, { token: operator, path: base, params });
    expect(taken.status).toBe(200);
    expect(taken.body.users).toBe((await w.scim.listUsers()).length);
    const ignored = await callRoute(ignoreRoute.POST as never, { token: operator, path: `${base}/ignore`, params, body: { kind: "user", scimId: pre.handmade } });
    expect(ignored.status).toBe(200);
    expect((await callRoute(inventoryRoute.GET as never, { token: viewer, path: `${base}?kind=user`, params })).body.rows).toEqual([]);
    await callRoute(ignoreRoute.POST as never, { token: operator, path: `${base}/ignore`, params, body: { kind: "user", scimId: pre.handmade, ignore: false } });
    const tested = await callRoute(testTargetRoute.POST as never, { token: admin, path: `/api/v1/channels/${w.channelId}/test-target`, params });
    expect(tested.status).toBe(200);
    expect(tested.body).toMatchObject({ ok: true, suggestedProfile: { profile: "scimmy" }, effective: { profile: "scimmy" } });
  });

  it("provmgr --test-target, --take-inventory and --show-unmanaged", async () => {
    const c = String(w.channelId);
    const t = await provmgr(["-c", c, "--test-target"], { via: "tsx" });
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toMatch(/Suggested profile\s+scimmy/);
    expect(t.stdout).toMatch(/Filters\s+eq yes, and yes/);
    const inv = parsed(await provmgr(["-c", c, "--take-inventory", "--json"], { via: "tsx" }));
    expect(inv.users).toBe((await w.scim.listUsers()).length);
    const u = await provmgr(["-c", c, "--show-unmanaged"], { via: "tsx" });
    expect(u.code, u.stderr).toBe(0);
    expect(u.stdout).toContain("handmade.admin");
    expect(u.stdout).toContain("Ferry never disables or deletes them");
  });
});
