// Issue 12 §3, the directory enforced at the target (seed 003: "group memberships in the
// datastore overwrite the group memberships in the target service"): what an
// administrator changes by hand at the target is set back by the next full
// reconciliation, read from the target itself; nested groups flattened or not; the group
// memberships of disabled users removed or kept. Against real slapd and both real SCIM
// services, each change made at the target through its own API.
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SCIM_PATCH_SCHEMA } from "../../devkit/scim-service.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

describe.each(["better-auth", "scimmy"] as const)("the directory enforced at the target (%s)", (target) => {
  let w: TWorld;
  const dns: Record<string, string> = {};
  const ids: Record<string, string> = {};

  beforeAll(async () => {
    // a full reconciliation is due one second after the last one
    w = await startWorld({ target, configure: (c) => (c.options.fullSyncIntervalSec = 1) });
    for (const uid of ["ann", "ben", "cat", "dan"]) {
      dns[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Tester", mail: `${uid}@example.com` });
    }
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, Object.values(dns));
    await w.slapd.addGroup("Team", [dns.ann!, dns.ben!]);
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    for (const u of await w.scim.listUsers()) ids[u.userName] = u.id;
  });
  afterAll(async () => {
    await w?.stop();
  });

  const group = async (name: string) => (await w.scim.listGroups()).find((g) => g.displayName === name);
  const user = async (userName: string) => (await w.scim.listUsers()).find((u) => u.userName === userName);
  const patch = async (path: string, Operations: unknown[]) => {
    const res = await w.scim.request("PATCH", path, { schemas: [SCIM_PATCH_SCHEMA], Operations });
    expect(res.status, JSON.stringify(res.body)).toBeLessThan(300);
  };
  /** the next cycle, once a full reconciliation is due */
  const fullCycle = async () => {
    await sleep(1_100);
    const r = await w.cycle();
    expect(r.stats.mode).toBe("full");
    expect(r.status, r.message).toBe("SUCCESS");
    return r;
  };

  it("removes a member added to a target group by hand and adds back one removed there", async () => {
    const team = (await group("Team"))!;
    expect(new Set(team.members)).toEqual(new Set([ids.ann, ids.ben]));
    await patch(`/Groups/${team.id}`, [{ op: "add", path: "members", value: [{ value: ids.dan }] }]);
    await patch(`/Groups/${team.id}`, [{ op: "remove", path: `members[value eq "${ids.ben}"]` }]);
    expect(new Set((await group("Team"))!.members)).toEqual(new Set([ids.ann, ids.dan]));

    const r = await fullCycle();
    expect(new Set((await group("Team"))!.members)).toEqual(new Set([ids.ann, ids.ben]));
    expect(r.stats.drift.groups).toBe(1);
    expect(r.message).toMatch(/set back at the target: 1 group\(s\) whose members were changed there/);
    // only the membership: dan, taken out of the group, is still provisioned and active
    expect((await user("dan"))?.active).toBe(true);
    // and nothing drifted the next time
    expect((await fullCycle()).stats.drift.groups).toBe(0);
  });

  it("sets back a mapped attribute edited at the target, reading the target's users in pages", async () => {
    await patch(`/Users/${ids.ann}`, [{ op: "replace", path: "name.givenName", value: "Hacked" }]);
    expect((await user("ann"))?.name?.givenName).toBe("Hacked");

    const r = await fullCycle();
    const ann = (await user("ann"))!;
    expect(ann.name?.givenName).toBe("ann");
    expect(ann.active).toBe(true);
    expect(r.stats.drift.users).toBe(1);
    expect(r.stats.drift.usersRead).toBe(4);
    expect(r.stats.pushed.UPDATE).toBe(1);
    // the users the target holds as Ferry sent them are not touched
    expect((await fullCycle()).stats.pushed.UPDATE ?? 0).toBe(0);
  });

  it("leaves a target-edited attribute alone with enforceUserAttributes off", async () => {
    await w.reconfigure((c) => (c.options.enforceUserAttributes = false));
    await w.cycle();
    await patch(`/Users/${ids.ben}`, [{ op: "replace", path: "name.givenName", value: "Edited" }]);
    const r = await fullCycle();
    expect(r.stats.drift.usersRead).toBe(0);
    expect((await user("ben"))?.name?.givenName).toBe("Edited");
    // switched back on, the next full reconciliation sets it back
    await w.reconfigure((c) => (c.options.enforceUserAttributes = true));
    await w.cycle();
    await fullCycle();
    expect((await user("ben"))?.name?.givenName).toBe("ben");
  });

  it("nestedGroups direct sends a group's direct user members; flatten every user reachable through nested groups", async () => {
    const child = await w.slapd.addGroup("Child", [dns.cat!]);
    const parent = await w.slapd.addGroup("Parent", [child, dns.ann!]);
    // openldap: direct unless the channel says otherwise
    await w.cycle();
    expect((await group("Parent"))!.members).toEqual([ids.ann]);

    await w.reconfigure((c) => (c.options.nestedGroups = "flatten"));
    await w.cycle();
    expect(new Set((await group("Parent"))!.members)).toEqual(new Set([ids.ann, ids.cat]));
    expect((await group("Child"))!.members).toEqual([ids.cat]);

    // a change inside the nested group does not touch Parent in the directory: the full reconciliation finds it
    await w.slapd.addMembers(child, [dns.dan!]);
    // and a loop of nested groups is followed once
    await w.slapd.addMembers(child, [parent]);
    await fullCycle();
    expect(new Set((await group("Parent"))!.members)).toEqual(new Set([ids.ann, ids.cat, ids.dan]));

    await w.reconfigure((c) => (c.options.nestedGroups = "direct"));
    await w.cycle();
    expect((await group("Parent"))!.members).toEqual([ids.ann]);
  });

  it("deprovisionedMemberships remove takes a disabled user out of target groups; keep leaves them", async () => {
    await w.slapd.addGroup("Ops", [dns.ben!, dns.dan!]);
    await w.cycle();
    expect(new Set((await group("Ops"))!.members)).toEqual(new Set([ids.ben, ids.dan]));

    // remove (the default)
    await w.slapd.modify(dns.dan!, { employeeType: "disabled" });
    await w.cycle();
    expect((await user("dan"))?.active).toBe(false);
    expect((await group("Ops"))!.members).toEqual([ids.ben]);
    // enabled again, back in the group
    await w.slapd.modify(dns.dan!, { employeeType: null });
    await w.cycle();
    expect((await user("dan"))?.active).toBe(true);
    expect(new Set((await group("Ops"))!.members)).toEqual(new Set([ids.ben, ids.dan]));

    // keep
    await w.reconfigure((c) => (c.options.deprovisionedMemberships = "keep"));
    await w.cycle();
    await w.slapd.modify(dns.ben!, { employeeType: "disabled" });
    await w.cycle();
    expect((await user("ben"))?.active).toBe(false);
    expect(new Set((await group("Ops"))!.members)).toEqual(new Set([ids.ben, ids.dan]));
    // a full reconciliation keeps them too (its drift read follows the same option)
    expect((await fullCycle()).stats.drift.groups).toBe(0);
    expect(new Set((await group("Ops"))!.members)).toEqual(new Set([ids.ben, ids.dan]));
  });
});

describe("reading the target's users in pages", () => {
  let w: TWorld;
  afterAll(async () => {
    await w?.stop();
  });

  it("pages through a target that caps the page size (Better Auth: 100 of the 200 asked), reading each user once", async () => {
    w = await startWorld({ target: "better-auth", configure: (c) => (c.options.fullSyncIntervalSec = 1) });
    const dns: string[] = [];
    for (let i = 0; i < 250; i++) dns.push(await w.slapd.addUser({ uid: `p${i}`, givenName: `P${i}`, sn: "Paged", mail: `p${i}@example.com` }));
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
    expect((await w.cycle()).status).toBe("SUCCESS");
    const users = await w.scim.listUsers();
    expect(users).toHaveLength(250);
    // one user in each of the target's pages, and the last
    const edited = [users[3]!, users[150]!, users[249]!];
    for (const u of edited) {
      const res = await w.scim.request("PATCH", `/Users/${u.id}`, {
        schemas: [SCIM_PATCH_SCHEMA],
        Operations: [{ op: "replace", path: "name.familyName", value: "Edited" }],
      });
      expect(res.status).toBeLessThan(300);
    }
    await sleep(1_100);
    const before = w.scim.requestCount();
    const r = await w.cycle();
    expect(r.stats.mode).toBe("full");
    const after = await w.scim.listUsers();
    for (const u of edited) expect(after.find((a) => a.id === u.id)?.name?.familyName).toBe("Paged");
    expect(r.stats.drift).toMatchObject({ usersRead: 250, users: 3 });
    expect(r.stats.pushed.UPDATE).toBe(3);
    // pages, not one request per user: 3 pages of users, 3 PATCHes, discovery
    expect(w.scim.requestCount() - before).toBeLessThan(12);
  });
});

describe("when the target is read back", () => {
  let w: TWorld;
  afterAll(async () => {
    await w?.stop();
  });

  it("on the periodic reconciliation and after a reset, not on every full read the directory causes", async () => {
    // timestamps: a changed provisioning group is a full read (the syncrepl feed reads it as changes plus the scope by GUID)
    w = await startWorld({ target: "scimmy", configure: (cfg) => (cfg.source.changeCapture = "timestamp") });
    const ann = await w.slapd.addUser({ uid: "ann", givenName: "Ann", sn: "T", mail: "ann@example.com" });
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [ann]);
    await w.slapd.addGroup("Team", [ann]);
    await w.cycle();
    const team = (await w.scim.listGroups()).find((g) => g.displayName === "Team")!;
    const res = await w.scim.request("PATCH", `/Groups/${team.id}`, { schemas: [SCIM_PATCH_SCHEMA], Operations: [{ op: "remove", path: "members" }] });
    expect(res.status).toBeLessThan(300);

    // the provisioning group changed: a full read of the directory, the target not read (the hour is not up)
    const ben = await w.slapd.addUser({ uid: "ben", givenName: "Ben", sn: "T", mail: "ben@example.com" });
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [ben]);
    const r = await w.cycle();
    expect(r.stats.mode).toBe("full");
    expect(r.stats.drift).toEqual({ usersRead: 0, users: 0, groupsRead: 0, groups: 0 });
    expect((await w.scim.listGroups()).find((g) => g.displayName === "Team")!.members).toEqual([]);

    // --reset-group-timestamp: the target is read back and the group set right
    const { resetGroupTimestamp } = await import("../../lib/channels/reset-group-timestamp.ts");
    await resetGroupTimestamp({ channelId: w.channelId, actor: "test", via: "test" });
    const again = await w.cycle();
    expect(again.stats.drift).toMatchObject({ usersRead: 2, groupsRead: 1, groups: 1 });
    const ids = Object.fromEntries((await w.scim.listUsers()).map((u) => [u.userName, u.id]));
    expect((await w.scim.listGroups()).find((g) => g.displayName === "Team")!.members).toEqual([ids.ann]);
  });
});

describe("a target that refuses attributes=members", () => {
  let w: TWorld;
  let proxy: FaultProxy;
  afterAll(async () => {
    await proxy?.stop();
    await w?.stop();
  });

  it("is asked for the whole group instead, and the drift is still set back", async () => {
    w = await startWorld({ target: "scimmy" });
    proxy = await startFaultProxy(w.scim.baseUrl);
    await w.reconfigure((c) => (c.target.url = proxy.baseUrl));
    const ann = await w.slapd.addUser({ uid: "ann", givenName: "Ann", sn: "T", mail: "ann@example.com" });
    const ben = await w.slapd.addUser({ uid: "ben", givenName: "Ben", sn: "T", mail: "ben@example.com" });
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [ann, ben]);
    await w.slapd.addGroup("Team", [ann]);
    await w.cycle();
    const ids = Object.fromEntries((await w.scim.listUsers()).map((u) => [u.userName, u.id]));
    const team = (await w.scim.listGroups()).find((g) => g.displayName === "Team")!;
    await w.scim.request("PATCH", `/Groups/${team.id}`, { schemas: [SCIM_PATCH_SCHEMA], Operations: [{ op: "add", path: "members", value: [{ value: ids.ben }] }] });

    const refusal = JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400", scimType: "invalidValue", detail: "attributes is not supported" });
    proxy.inject({ method: "GET", pathIncludes: "attributes=members", times: 100, status: 400, body: refusal, headers: { "content-type": "application/scim+json" } });
    const { resetGroupTimestamp } = await import("../../lib/channels/reset-group-timestamp.ts");
    await resetGroupTimestamp({ channelId: w.channelId, actor: "test", via: "test" });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.drift).toMatchObject({ groupsRead: 1, groups: 1 });
    expect((await w.scim.listGroups()).find((g) => g.displayName === "Team")!.members).toEqual([ids.ann]);
    // it was asked once with the parameter, refused, and not again
    expect(proxy.log.filter((e) => e.path.includes("attributes=members"))).toHaveLength(1);
  });
});
