// Seed 003, groups: matching existing groups by name, provisioning, renames,
// membership (the directory overwrites the target) and deletion, each checked by what
// the real SCIM service holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;
const dns: Record<string, string> = {};
const ids: Record<string, string> = {};

beforeAll(async () => {
  w = await startWorld();
  const appUsers = `cn=app-users,${w.slapd.groupsDn}`;
  for (const uid of ["ann", "ben", "cat", "dan"]) {
    dns[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Tester", mail: `${uid}@example.com` });
  }
  await w.slapd.addMembers(appUsers, Object.values(dns));
  await w.cycle();
  for (const u of await w.scim.listUsers()) ids[u.userName] = u.id;
});
afterAll(async () => {
  await w?.stop();
});

async function targetGroup(name: string) {
  return (await w.scim.listGroups()).find((g) => g.displayName === name);
}

describe("groups (seed 003)", () => {
  it("provisions a group added to the group filter, with its members", async () => {
    await w.slapd.addGroup("Engineering", [dns.ann!, dns.ben!]);
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    const g = await targetGroup("Engineering");
    expect(g).toBeDefined();
    expect(new Set(g!.members)).toEqual(new Set([ids.ann, ids.ben]));
  });

  it("synchronizes an existing target group by name instead of creating another (Accounting)", async () => {
    const pre = await w.scim.request("POST", "/Groups", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
      displayName: "Accounting",
      members: [{ value: ids.dan }],
    });
    expect(pre.status).toBe(201);
    await w.slapd.addGroup("Accounting", [dns.cat!]);
    await w.cycle();
    const all = (await w.scim.listGroups()).filter((g) => g.displayName === "Accounting");
    expect(all).toHaveLength(1);
    expect(all[0]!.id).toBe(pre.body.id);
    // the directory's membership overwrites the target's: dan was only at the target
    expect(all[0]!.members).toEqual([ids.cat]);
  });

  it("updates membership when members are added and removed in the directory", async () => {
    const dn = `cn=Engineering,${w.slapd.groupsDn}`;
    await w.slapd.addMembers(dn, [dns.cat!]);
    await w.slapd.removeMembers(dn, [dns.ann!]);
    await w.cycle();
    expect(new Set((await targetGroup("Engineering"))!.members)).toEqual(new Set([ids.ben, ids.cat]));
  });

  it("drops a member who is deprovisioned and adds one who is newly provisioned", async () => {
    const eve = await w.slapd.addUser({ uid: "eve", givenName: "Eve", sn: "Tester", mail: "eve@example.com" });
    await w.slapd.addMembers(`cn=Engineering,${w.slapd.groupsDn}`, [eve]);
    // eve is in the group but not yet in the provisioning scope: not a member at the target
    await w.cycle();
    expect((await targetGroup("Engineering"))!.members).toHaveLength(2);
    // once she is provisioned, the group picks her up
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [eve]);
    await w.cycle();
    const eveId = (await w.scim.listUsers()).find((u) => u.userName === "eve")!.id;
    expect(new Set((await targetGroup("Engineering"))!.members)).toEqual(new Set([ids.ben, ids.cat, eveId]));
  });

  it("renames a group renamed in the directory, keeping its id and members", async () => {
    const before = await targetGroup("Engineering");
    await w.slapd.rename(`cn=Engineering,${w.slapd.groupsDn}`, "cn=R&D");
    await w.cycle();
    expect(await targetGroup("Engineering")).toBeUndefined();
    const after = await targetGroup("R&D");
    expect(after?.id).toBe(before!.id);
    expect(new Set(after!.members)).toEqual(new Set(before!.members));
  });

  it("sends large memberships in chunks", async () => {
    await w.reconfigure((c) => (c.target.membersPerPatch = 2));
    const extra: string[] = [];
    for (let i = 0; i < 5; i++) {
      extra.push(await w.slapd.addUser({ uid: `bulk${i}`, givenName: "Bulk", sn: `${i}`, mail: `bulk${i}@example.com` }));
    }
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, extra);
    await w.slapd.addGroup("Big", extra);
    await w.cycle();
    expect((await targetGroup("Big"))!.members).toHaveLength(5);
    await w.reconfigure((c) => (c.target.membersPerPatch = 200));
  });

  it("deletes a group deleted in the directory", async () => {
    await w.slapd.addGroup("Temp", [dns.ben!]);
    await w.cycle();
    expect(await targetGroup("Temp")).toBeDefined();
    await w.slapd.remove(`cn=Temp,${w.slapd.groupsDn}`);
    await w.cycle();
    expect(await targetGroup("Temp")).toBeUndefined();
    const db = await getDb();
    expect(await db.groupRecord.count({ where: { channelId: w.channelId, providerName: "Temp" } })).toBe(0);
  });

  it("deletes a group removed from the group filter", async () => {
    await w.slapd.addGroup("Contractors", [dns.ben!]);
    await w.cycle();
    expect(await targetGroup("Contractors")).toBeDefined();
    await w.reconfigure((c) => (c.source.groupFilter = "(&(objectClass=groupOfNames)(!(cn=app-users))(!(cn=Contractors)))"));
    await w.cycle();
    expect(await targetGroup("Contractors")).toBeUndefined();
    expect(await targetGroup("R&D")).toBeDefined();
  });
});
