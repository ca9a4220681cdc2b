// provmgr (seed 000), the commands that change the internal store's records: clear and
// delete dirty records, delete all (users). Each runs as the real CLI process; the test
// then checks what it printed, what the store holds, the audit log, and what the next
// real cycle does. SCIMMY is the target: it accepts duplicate names, so a cycle that
// created instead of relinking would show.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { osActor } from "../../lib/audit/record-audit.ts";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { auditSince, fastForward, parsed, provmgr } from "./provmgr.helpers.ts";

let w: TWorld;
let c: string;
const dns: Record<string, string> = {};
const groupDn = (cn: string) => `cn=${cn},${w.slapd.groupsDn}`;

beforeAll(async () => {
  w = await startWorld({ target: "scimmy" });
  c = String(w.channelId);
  for (const uid of ["ann", "ben", "cat", "dan"]) {
    dns[uid] = await w.slapd.addUser({ uid, givenName: uid.toUpperCase(), sn: "Tester", mail: `${uid}@example.com` });
  }
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, Object.values(dns));
  await w.slapd.addGroup("Engineering", [dns.ann!, dns.ben!]);
  await w.slapd.addGroup("Sales", [dns.cat!]);
  const first = await w.cycle();
  expect(first.status).toBe("SUCCESS");
});
afterAll(async () => {
  await w?.stop();
});

/** Directory changes made while the target refuses every request: they stay dirty. */
async function whileTargetRefuses(change: () => Promise<void>): Promise<void> {
  await w.reconfigure((cfg) => (cfg.target.auth.token = "not-the-token-of-this-service"));
  await change();
  const r = await w.cycle();
  expect(r.status).toBe("PARTIAL");
  await w.reconfigure((cfg) => (cfg.target.auth.token = w.scim.token));
}

async function users() {
  const db = await getDb();
  return db.userRecord.findMany({ where: { channelId: w.channelId }, orderBy: { id: "asc" } });
}
async function groups() {
  const db = await getDb();
  return db.groupRecord.findMany({ where: { channelId: w.channelId }, orderBy: { id: "asc" } });
}
const dirtyNames = async () => [...(await users()), ...(await groups())].filter((r) => r.dirty).map((r) => r.providerName).sort();
async function targetUsers(userName: string) {
  return (await w.scim.listUsers()).filter((u) => u.userName === userName);
}
async function targetGroups(name: string) {
  return (await w.scim.listGroups()).filter((g) => g.displayName === name);
}
async function channelRow() {
  const db = await getDb();
  return (await db.channel.findUnique({ where: { id: w.channelId } }))!;
}

/** The audit entry a command left: the operating-system user, via the CLI. */
async function expectAudited(since: Date, action: string, details: Record<string, unknown>) {
  const rows = (await auditSince(w.channelId, since)).filter((a) => a.via === "cli");
  expect(rows.map((r) => ({ actor: r.actor, action: r.action, details: r.details }))).toEqual([{ actor: osActor(), action, details }]);
}

describe("provmgr: clearing the dirty flag", () => {
  it("--clear-dirty-user-records: the next cycle does not push what waited; a later directory change does", async () => {
    await whileTargetRefuses(async () => {
      await w.slapd.modify(dns.dan!, { givenName: "Daniel" });
      await w.slapd.addGroup("Support", [dns.dan!]);
    });
    expect(await dirtyNames()).toEqual(["Support", "dan"]);

    const since = new Date();
    const r = await provmgr(["-c", c, "--clear-dirty-user-records"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `Channel ${c}: dirty flag cleared on 1 user record. What was waiting to be pushed is dropped; a later directory change marks a record again.\n`,
    );
    const dan = (await users()).find((u) => u.providerName === "dan")!;
    expect(dan).toMatchObject({ dirty: false, pendingAction: "NONE", pendingValues: null, lastError: null, attempts: 0 });
    expect(await dirtyNames()).toEqual(["Support"]);
    await expectAudited(since, "clear-dirty-records:users", { users: 1, groups: 0 });

    await fastForward(w.channelId);
    const next = await w.cycle();
    expect(next.stats.pushed).toEqual({ GROUP_CREATE: 1 });
    expect((await targetUsers("dan"))[0]!.name?.givenName).toBe("DAN");
    expect(await targetGroups("Support")).toHaveLength(1);

    await w.slapd.modify(dns.dan!, { sn: "Dunn" });
    await w.cycle();
    expect((await targetUsers("dan"))[0]!.name).toEqual({ givenName: "Daniel", familyName: "Dunn" });
  });

  it("--clear-dirty-group-records: the next cycle pushes the users but not the cleared group", async () => {
    await whileTargetRefuses(async () => {
      await w.slapd.modify(dns.ben!, { givenName: "Benjamin" });
      await w.slapd.addGroup("Ops", [dns.ben!]);
    });
    expect(await dirtyNames()).toEqual(["Ops", "ben"]);

    const since = new Date();
    const r = await provmgr(["-c", c, "--clear-dirty-group-records", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(parsed(r)).toEqual({ command: "clear-dirty-group-records", channelId: w.channelId, cleared: { users: 0, groups: 1 } });
    expect((await groups()).find((g) => g.providerName === "Ops")).toMatchObject({ dirty: false, pendingAction: "NONE", targetState: "ABSENT" });
    expect(await dirtyNames()).toEqual(["ben"]);
    await expectAudited(since, "clear-dirty-records:groups", { users: 0, groups: 1 });

    await fastForward(w.channelId);
    const next = await w.cycle();
    expect(next.stats.pushed).toEqual({ UPDATE: 1 });
    expect((await targetUsers("ben"))[0]!.name?.givenName).toBe("Benjamin");
    expect(await targetGroups("Ops")).toHaveLength(0);

    await w.slapd.addMembers(groupDn("Ops"), [dns.cat!]);
    await w.cycle();
    expect((await targetGroups("Ops"))[0]!.members).toHaveLength(2);
  });

  it("--clear-dirty-records: users and groups; the next cycle pushes nothing", async () => {
    await whileTargetRefuses(async () => {
      await w.slapd.modify(dns.cat!, { givenName: "Catherine" });
      await w.slapd.addMembers(groupDn("Engineering"), [dns.cat!]);
    });
    expect(await dirtyNames()).toEqual(["Engineering", "cat"]);

    const since = new Date();
    const r = await provmgr(["-c", c, "--clear-dirty-records"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Channel ${c}: dirty flag cleared on 1 user record and 1 group record\\.`));
    expect(await dirtyNames()).toEqual([]);
    await expectAudited(since, "clear-dirty-records:all", { users: 1, groups: 1 });

    await fastForward(w.channelId);
    const next = await w.cycle();
    expect(next.stats.pushed).toEqual({});
    expect((await targetUsers("cat"))[0]!.name?.givenName).toBe("CAT");
    expect((await targetGroups("Engineering"))[0]!.members).toHaveLength(2);
  });
});

describe("provmgr: deleting dirty records", () => {
  it("--delete-dirty-user-records: the next cycle reads the scope again and relinks the user at the target", async () => {
    await whileTargetRefuses(async () => {
      await w.slapd.modify(dns.ann!, { givenName: "Annabel" });
      await w.slapd.addGroup("Legal", [dns.ann!]);
    });
    expect(await dirtyNames()).toEqual(["Legal", "ann"]);
    const annBefore = (await users()).find((u) => u.providerName === "ann")!;

    const since = new Date();
    const r = await provmgr(["-c", c, "--delete-dirty-user-records"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe(
      `Channel ${c}: deleted 1 dirty user record from the internal store. The next cycle reads the whole scope and finds again whatever is still in it.\n`,
    );
    expect((await users()).map((u) => u.providerName).sort()).toEqual(["ben", "cat", "dan"]);
    expect(await dirtyNames()).toEqual(["Legal"]);
    expect(await channelRow()).toMatchObject({ groupTimestamp: null, attributeSyncTimestamp: "1" });
    await expectAudited(since, "delete-dirty-records:users", { users: 1, groups: 0 });

    const next = await w.cycle();
    expect(next.stats.mode).toBe("full");
    const ann = (await users()).find((u) => u.providerName === "ann")!;
    expect(ann.id).not.toBe(annBefore.id);
    expect(ann).toMatchObject({ scimId: annBefore.scimId, dirty: false, targetState: "ACTIVE" });
    const atTarget = await targetUsers("ann");
    expect(atTarget).toHaveLength(1);
    expect(atTarget[0]).toMatchObject({ id: annBefore.scimId, name: { givenName: "Annabel", familyName: "Tester" } });
    expect((await targetGroups("Legal"))[0]!.members).toEqual([annBefore.scimId]);
    expect(await w.scim.listUsers()).toHaveLength(4);
  });

  it("--delete-dirty-group-records: the next cycle finds the group again and relinks it by name", async () => {
    await whileTargetRefuses(async () => {
      await w.slapd.addMembers(groupDn("Sales"), [dns.dan!]);
      await w.slapd.modify(dns.cat!, { sn: "Cole" });
    });
    expect(await dirtyNames()).toEqual(["Sales", "cat"]);
    const salesBefore = (await groups()).find((g) => g.providerName === "Sales")!;

    const since = new Date();
    const r = await provmgr(["-c", c, "--delete-dirty-group-records", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(parsed(r)).toEqual({ command: "delete-dirty-group-records", channelId: w.channelId, deleted: { users: 0, groups: 1 } });
    expect((await groups()).some((g) => g.providerName === "Sales")).toBe(false);
    expect(await dirtyNames()).toEqual(["cat"]);
    await expectAudited(since, "delete-dirty-records:groups", { users: 0, groups: 1 });

    await w.cycle();
    const sales = await targetGroups("Sales");
    expect(sales).toHaveLength(1);
    expect(sales[0]!.id).toBe(salesBefore.scimId);
    const ids = Object.fromEntries((await w.scim.listUsers()).map((u) => [u.userName, u.id]));
    expect(new Set(sales[0]!.members)).toEqual(new Set([ids.cat, ids.dan]));
    expect((await targetUsers("cat"))[0]!.name?.familyName).toBe("Cole");
    expect(await dirtyNames()).toEqual([]);
  });

  it("--delete-dirty-records: users and groups; the next cycle relinks both without duplicating", async () => {
    await whileTargetRefuses(async () => {
      await w.slapd.modify(dns.dan!, { sn: "Dane" });
      await w.slapd.addMembers(groupDn("Legal"), [dns.dan!]);
    });
    expect(await dirtyNames()).toEqual(["Legal", "dan"]);

    const since = new Date();
    const r = await provmgr(["-c", c, "--delete-dirty-records"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Channel ${c}: deleted 1 dirty user record and 1 dirty group record from the internal store\\.`));
    expect(await dirtyNames()).toEqual([]);
    await expectAudited(since, "delete-dirty-records:all", { users: 1, groups: 1 });

    await w.cycle();
    expect(await targetUsers("dan")).toHaveLength(1);
    expect((await targetUsers("dan"))[0]!.name?.familyName).toBe("Dane");
    const legal = await targetGroups("Legal");
    expect(legal).toHaveLength(1);
    expect(legal[0]!.members).toHaveLength(2);
  });
});

describe("provmgr: deleting everything", () => {
  it("--delete-all-users keeps the groups; the next cycle relinks every user and resends memberships", async () => {
    const groupsBefore = (await groups()).map((g) => ({ id: g.id, guid: g.guid, scimId: g.scimId }));
    const usersBefore = new Map((await users()).map((u) => [u.providerName, u.scimId]));
    const targetBefore = (await w.scim.listUsers()).map((u) => u.id).sort();

    const since = new Date();
    const r = await provmgr(["-c", c, "--delete-all-users"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Channel ${c}: deleted 4 user records \\(groups kept\\) and the group and attribute-sync timestamps\\.`));
    expect(await users()).toHaveLength(0);
    expect((await groups()).map((g) => ({ id: g.id, guid: g.guid, scimId: g.scimId }))).toEqual(groupsBefore);
    expect(await channelRow()).toMatchObject({ groupTimestamp: null, attributeSyncTimestamp: null, lastFullSyncAt: null });
    await expectAudited(since, "delete-all-users", { users: 4, groups: 0 });

    const next = await w.cycle();
    expect(next.stats.mode).toBe("full");
    expect(next.stats.pushed.CREATE).toBe(4); // each one found at the target by userName, not created there
    expect((await w.scim.listUsers()).map((u) => u.id).sort()).toEqual(targetBefore);
    expect(new Map((await users()).map((u) => [u.providerName, u.scimId]))).toEqual(usersBefore);
    expect((await groups()).map((g) => g.id)).toEqual(groupsBefore.map((g) => g.id));
    // the directory's membership again at the target, cat included in Engineering now
    const byDn = new Map((await users()).map((u) => [u.dn.toLowerCase(), u.scimId]));
    for (const g of await groups()) {
      const remote = (await w.scim.listGroups()).find((x) => x.id === g.scimId)!;
      expect(new Set(remote.members)).toEqual(new Set(g.memberDns.map((dn) => byDn.get(dn))));
    }
    expect(await dirtyNames()).toEqual([]);
  });

  it("--delete-all: the channel starts from the beginning and relinks users and groups without duplicating", async () => {
    const userIds = (await w.scim.listUsers()).map((u) => `${u.userName}:${u.id}`).sort();
    const groupIds = (await w.scim.listGroups()).map((g) => `${g.displayName}:${g.id}`).sort();
    const groupCount = (await groups()).length;

    const since = new Date();
    const r = await provmgr(["-c", c, "--delete-all", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(parsed(r)).toEqual({ command: "delete-all", channelId: w.channelId, deleted: { users: 4, groups: groupCount }, groupsKept: false });
    expect(await users()).toHaveLength(0);
    expect(await groups()).toHaveLength(0);
    expect(await channelRow()).toMatchObject({ groupTimestamp: null, attributeSyncTimestamp: null, lastFullSyncAt: null });
    await expectAudited(since, "delete-all", { users: 4, groups: groupCount });

    const next = await w.cycle();
    expect(next.status).toBe("SUCCESS");
    expect(next.stats.mode).toBe("full");
    expect(next.stats.reasons).toContain("first read");
    expect((await w.scim.listUsers()).map((u) => `${u.userName}:${u.id}`).sort()).toEqual(userIds);
    expect((await w.scim.listGroups()).map((g) => `${g.displayName}:${g.id}`).sort()).toEqual(groupIds);
    expect(await users()).toHaveLength(4);
    expect(await groups()).toHaveLength(groupCount);
    expect(await dirtyNames()).toEqual([]);
  });
});
