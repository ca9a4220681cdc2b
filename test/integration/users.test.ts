// Seed 003, users: matching existing users by userName, provisioning, updates and
// deprovisioning (disable or delete), each checked by what the real SCIM service holds.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetGroupTimestamp } from "../../lib/channels/reset-group-timestamp.ts";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;
let group: string;

beforeAll(async () => {
  w = await startWorld();
  group = `cn=app-users,${w.slapd.groupsDn}`;
});
afterAll(async () => {
  await w?.stop();
});

/** the Better Auth target requires an email unless userName is one */
async function addUser(u: Parameters<TWorld["slapd"]["addUser"]>[0]) {
  return w.slapd.addUser({ mail: `${u.uid}@example.com`, ...u });
}

async function targetUser(userName: string) {
  return (await w.scim.listUsers()).find((u) => u.userName === userName);
}

describe("users (seed 003)", () => {
  it("links an existing target user by userName instead of creating a second one (Janet)", async () => {
    const pre = await w.scim.request("POST", "/Users", {
      schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
      userName: "jsmith",
      name: { givenName: "Jan", familyName: "Smith" },
      emails: [{ value: "old@example.com", primary: true }],
    });
    expect(pre.status).toBe(201);
    const dn = await addUser({ uid: "jsmith", givenName: "Janet", sn: "Smith", mail: "janet@example.com" });
    await w.slapd.addMembers(group, [dn]);

    const res = await w.cycle();
    expect(res.status).toBe("SUCCESS");
    const all = (await w.scim.listUsers()).filter((u) => u.userName === "jsmith");
    expect(all).toHaveLength(1);
    expect(all[0]!.id).toBe(pre.body.id);
    expect(all[0]!.name?.givenName).toBe("Janet");
    const rec = await userRecord(w.channelId, "jsmith");
    expect(rec?.scimId).toBe(pre.body.id);
    expect(rec?.dirty).toBe(false);
  });

  it("provisions a user added to the provisioning group", async () => {
    const dn = await addUser({ uid: "alice", givenName: "Alice", sn: "Archer", mail: "alice@example.com" });
    await w.slapd.addMembers(group, [dn]);
    await w.cycle();
    const u = await targetUser("alice");
    expect(u).toBeDefined();
    expect(u!.active).toBe(true);
    expect(u!.name).toMatchObject({ givenName: "Alice", familyName: "Archer" });
    expect(u!.emails?.[0]?.value).toBe("alice@example.com");
  });

  it("does not provision a user outside the scope", async () => {
    await addUser({ uid: "outsider", givenName: "Out", sn: "Sider" });
    await w.cycle();
    expect(await targetUser("outsider")).toBeUndefined();
  });

  it("updates the target when a mapped attribute changes, and only then", async () => {
    const dn = `uid=alice,${w.slapd.peopleDn}`;
    await w.slapd.modify(dn, { givenName: "Alicia" });
    const r1 = await w.cycle();
    expect(r1.stats.pushed.UPDATE).toBe(1);
    expect((await targetUser("alice"))!.name?.givenName).toBe("Alicia");

    // an attribute that is not mapped: the values hash is unchanged, nothing is sent
    await w.slapd.modify(dn, { description: "not mapped" });
    const before = w.scim.requestCount();
    const r2 = await w.cycle();
    expect(r2.stats.pushed.UPDATE ?? 0).toBe(0);
    expect(w.scim.requestCount() - before).toBeLessThanOrEqual(1); // at most discovery
  });

  it("does not provision a disabled user unless 'provision disabled users' is on", async () => {
    const dn = await addUser({ uid: "dora", givenName: "Dora", sn: "Disabled", employeeType: "disabled" });
    await w.slapd.addMembers(group, [dn]);
    await w.cycle();
    expect(await targetUser("dora")).toBeUndefined();

    // changing the options makes the next cycle look at every user again
    await w.reconfigure((c) => (c.options.provisionDisabledUsers = true));
    await w.cycle();
    const u = await targetUser("dora");
    expect(u).toBeDefined();
    expect(u!.active).toBe(false);
    await w.reconfigure((c) => (c.options.provisionDisabledUsers = false));
  });

  it("deprovisions (disables) a user disabled in the directory, and re-enables on return", async () => {
    const dn = `uid=alice,${w.slapd.peopleDn}`;
    await w.slapd.modify(dn, { employeeType: "disabled" });
    await w.cycle();
    expect((await targetUser("alice"))!.active).toBe(false);

    await w.slapd.modify(dn, { employeeType: "staff" });
    await w.cycle();
    expect((await targetUser("alice"))!.active).toBe(true);
  });

  it("deprovisions a user removed from the provisioning group (Remove User Action: disable)", async () => {
    const dn = await addUser({ uid: "bob", givenName: "Bob", sn: "Builder" });
    await w.slapd.addMembers(group, [dn]);
    await w.cycle();
    expect((await targetUser("bob"))!.active).toBe(true);

    await w.slapd.removeMembers(group, [dn]);
    await w.cycle();
    const u = await targetUser("bob");
    expect(u).toBeDefined();
    expect(u!.active).toBe(false);
    expect((await userRecord(w.channelId, "bob"))?.sourceState).toBe("OUT_OF_SCOPE");
  });

  it("deletes a user deleted from the directory when Remove User Action is delete (after --reset-group-timestamp)", async () => {
    // the seed's polling by timestamps, whose blind spot the group timestamp reset covers
    // (the syncrepl feed, the default on OpenLDAP, sees the deletion at once:
    // change-feed-syncrepl.test.ts)
    await w.reconfigure((c) => {
      c.options.removeUserAction = "delete";
      c.source.changeCapture = "timestamp";
    });
    const dn = await addUser({ uid: "carol", givenName: "Carol", sn: "Singer" });
    await w.slapd.addMembers(group, [dn]);
    await w.cycle();
    expect(await targetUser("carol")).toBeDefined();

    await w.slapd.remove(dn);
    // OpenLDAP's refint removes her from the group without touching the group's
    // timestamp or CSN: exactly the case the seed describes. An incremental cycle
    // cannot see a deletion…
    await w.cycle();
    expect(await targetUser("carol")).toBeDefined();
    // …the group timestamp reset makes the next cycle enumerate the group.
    await resetGroupTimestamp({ channelId: w.channelId, actor: "test", via: "test" });
    const r = await w.cycle();
    expect(r.stats.mode).toBe("full");
    expect(await targetUser("carol")).toBeUndefined();
    expect(await userRecord(w.channelId, "carol")).toBeNull();
    await w.reconfigure((c) => {
      c.options.removeUserAction = "disable";
      delete c.source.changeCapture;
    });
  });

  it("disables a user deleted from the directory at the periodic full reconciliation", async () => {
    const dn = await addUser({ uid: "dave", givenName: "Dave", sn: "Grohl" });
    await w.slapd.addMembers(group, [dn]);
    await w.cycle();
    await w.slapd.remove(dn);
    await w.reconfigure((c) => (c.options.fullSyncIntervalSec = 1));
    await w.cycle(); // options changed: looks at everyone, full read
    await new Promise((r) => setTimeout(r, 1100));
    const r = await w.cycle();
    expect(r.stats.reasons).toContain("periodic full reconciliation");
    const u = await targetUser("dave");
    expect(u?.active).toBe(false);
    expect((await userRecord(w.channelId, "dave"))?.sourceState).toBe("DELETED");
    await w.reconfigure((c) => (c.options.fullSyncIntervalSec = 3600));
    await w.cycle();
  });

  it("sends nothing when nothing changed", async () => {
    await w.cycle();
    const before = w.scim.requestCount();
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    expect(r.stats.mode).toBe("incremental");
    expect(Object.keys(r.stats.pushed)).toHaveLength(0);
    expect(w.scim.requestCount() - before).toBeLessThanOrEqual(1);
  });
});
