// Two channels, one SCIM target. Each directory has a group "Engineering" (different
// people), and the two directories share a person by userName. Before the guard, the
// second channel linked the first one's target group by displayName and overwrote its
// members with its own, every cycle (and the first channel put them back): people lost
// access. It linked the first channel's user by userName too, and would then fight over
// its attributes and `active`. Now a channel refuses to link what another channel at the
// same target already holds: its record stays dirty with an error naming the other
// channel, and the target is left as the holder made it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { getDb } from "../../lib/db/index.ts";
import { runCycle } from "../../lib/sync/run-cycle.ts";
import { listDirtyRecords } from "../../lib/channels/list-dirty-records.ts";
import { startSlapd, type Slapd } from "../../devkit/slapd.ts";
import { approveDeprovisioning } from "../../lib/channels/decide-deprovisioning.ts";
import { claimTarget, targetKey } from "../../lib/records/target-claims.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;
let slapdB: Slapd;
let channelB: number;
const cycleB = () => runCycle({ channelId: channelB, trigger: "test" });
const ids: Record<string, string> = {};

async function targetGroups(name: string) {
  return (await w.scim.listGroups()).filter((g) => g.displayName === name);
}

beforeAll(async () => {
  w = await startWorld();
  // channel A: ann and ben in its Engineering
  const a: Record<string, string> = {};
  for (const uid of ["ann", "ben"]) a[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Tester", mail: `${uid}@example.com` });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, Object.values(a));
  await w.slapd.addGroup("Engineering", [a.ann!, a.ben!]);
  expect((await w.cycle()).status).toBe("SUCCESS");
  for (const u of await w.scim.listUsers()) ids[u.userName] = u.id;

  // channel B: another directory, same target (its URL written with a trailing slash: the same target)
  slapdB = await startSlapd();
  await slapdB.addGroup("app-users", []);
  const b: Record<string, string> = {};
  for (const uid of ["cat", "dan"]) b[uid] = await slapdB.addUser({ uid, givenName: uid, sn: "Other", mail: `${uid}@example.org` });
  await slapdB.addMembers(`cn=app-users,${slapdB.groupsDn}`, Object.values(b));
  await slapdB.addGroup("Engineering", [b.cat!, b.dan!]);
  const cfg = structuredClone(w.channelConfig);
  cfg.name = "second channel";
  cfg.connectionId = "test-sp-b";
  cfg.source = { ...cfg.source, url: slapdB.url, bindDn: slapdB.adminDn, bindPassword: slapdB.adminPassword, baseDn: slapdB.peopleDn, groupDn: `cn=app-users,${slapdB.groupsDn}`, groupBaseDn: slapdB.groupsDn };
  cfg.target = { ...cfg.target, url: `${w.scim.baseUrl}/` };
  channelB = (await applyChannelConfig({ config: cfg, actor: "test", via: "test" })).id;
});
afterAll(async () => {
  await slapdB?.stop().catch(() => undefined);
  await w?.stop();
});

describe("two channels sending to one target", () => {
  it("a second channel does not link (and overwrite) a group the first one holds there", async () => {
    const before = await targetGroups("Engineering");
    expect(before).toHaveLength(1);
    expect(new Set(before[0]!.members)).toEqual(new Set([ids.ann, ids.ben]));

    const r = await cycleB();
    expect(r.status).toBe("PARTIAL");
    // B's users were provisioned; its Engineering was refused, and the target's is untouched
    const users = new Set((await w.scim.listUsers()).map((u) => u.userName));
    expect(users.has("cat") && users.has("dan")).toBe(true);
    const after = await targetGroups("Engineering");
    expect(after).toHaveLength(1);
    expect(after[0]!.id).toBe(before[0]!.id);
    expect(new Set(after[0]!.members)).toEqual(new Set([ids.ann, ids.ben]));

    const db = await getDb();
    const g = await db.groupRecord.findFirst({ where: { channelId: channelB, providerName: "Engineering" } });
    expect(g!.dirty).toBe(true);
    expect(g!.scimId).toBeNull();
    expect(g!.lastError).toMatch(/Engineering/);
    expect(g!.lastError).toMatch(/"test channel"/);

    // shown like any other per-record error (provmgr --show-dirty-records, the console's dirty list)
    const shown: string[] = [];
    for await (const page of listDirtyRecords({ channelId: channelB, kind: "groups" })) shown.push(...page.map((d) => JSON.stringify(d)));
    expect(shown.some((d) => d.includes("Engineering") && d.includes("test channel"))).toBe(true);

    // and it stays so: neither channel's next cycle changes the other's members
    await cycleB();
    await w.cycle();
    await cycleB();
    const later = await targetGroups("Engineering");
    expect(later).toHaveLength(1);
    expect(new Set(later[0]!.members)).toEqual(new Set([ids.ann, ids.ben]));
    const g2 = await db.groupRecord.findFirst({ where: { channelId: channelB, providerName: "Engineering" } });
    expect(g2!.dirty).toBe(true);
    expect(g2!.scimId).toBeNull();
  });

  it("a second channel does not link a user the first one holds there (lookup by userName)", async () => {
    const dn = await slapdB.addUser({ uid: "ann", givenName: "Annie", sn: "Impostor", mail: "ann@example.org" });
    await slapdB.addMembers(`cn=app-users,${slapdB.groupsDn}`, [dn]);
    await cycleB();
    const db = await getDb();
    const rec = await db.userRecord.findFirst({ where: { channelId: channelB, providerName: "ann" } });
    expect(rec!.dirty).toBe(true);
    expect(rec!.scimId).toBeNull();
    expect(rec!.lastError).toMatch(/"test channel"/);
    // A's ann keeps A's values
    const ann = (await w.scim.listUsers()).find((u) => u.userName === "ann")!;
    expect(ann.id).toBe(ids.ann);
    expect(ann.name?.familyName).toBe("Tester");
    expect(ann.active).toBe(true);
  });

  it("…nor after a create the target answered 409 uniqueness (userMatching create-first)", async () => {
    const db = await getDb();
    const row = await db.channel.findUniqueOrThrow({ where: { id: channelB } });
    await db.channel.update({ where: { id: channelB }, data: { target: { ...(row.target as object), userMatching: "create-first" } } });
    const dn = await slapdB.addUser({ uid: "ben", givenName: "Benny", sn: "Impostor", mail: "ben@example.org" });
    await slapdB.addMembers(`cn=app-users,${slapdB.groupsDn}`, [dn]);
    await cycleB();
    const rec = await db.userRecord.findFirst({ where: { channelId: channelB, providerName: "ben" } });
    expect(rec!.dirty).toBe(true);
    expect(rec!.scimId).toBeNull();
    expect(rec!.lastError).toMatch(/"test channel"/);
    const ben = (await w.scim.listUsers()).find((u) => u.userName === "ben")!;
    expect(ben.id).toBe(ids.ben);
    expect(ben.name?.familyName).toBe("Tester");
  });

  it("the first channel, meanwhile, keeps its group and users as they were", async () => {
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    const g = await targetGroups("Engineering");
    expect(new Set(g[0]!.members)).toEqual(new Set([ids.ann, ids.ben]));
  });

  it("two channels both linked to one group (from before the guard): neither writes it, not even a delete", async () => {
    const db = await getDb();
    const theirs = (await targetGroups("Engineering"))[0]!;
    const gB = await db.groupRecord.findFirstOrThrow({ where: { channelId: channelB, providerName: "Engineering" } });
    // as a store written before the guard would hold it: B linked A's group
    await db.groupRecord.update({ where: { id: gB.id }, data: { scimId: theirs.id, targetState: "ACTIVE", dirty: true, pendingAction: "UPDATE", resyncMembers: true, nextAttemptAt: null } });
    await cycleB();
    expect(new Set((await targetGroups("Engineering"))[0]!.members)).toEqual(new Set([ids.ann, ids.ben]));
    const after = await db.groupRecord.findUniqueOrThrow({ where: { id: gB.id } });
    expect(after.dirty).toBe(true);
    expect(after.lastError).toMatch(/both channels are linked to it/);
    expect(after.lastError).toMatch(/"test channel"/);
    // B's group leaves its directory: B's delete would take A's group away; it is refused too
    await slapdB.remove(`cn=Engineering,${slapdB.groupsDn}`);
    await db.groupRecord.update({ where: { id: gB.id }, data: { nextAttemptAt: null } });
    await cycleB();
    // the guard holds the deletion of B's only group; an administrator approves it
    const hold = await db.deprovisionHold.findFirstOrThrow({ where: { channelId: channelB, status: "HELD" } });
    await approveDeprovisioning({ channelId: channelB, holdId: hold.id, count: hold.count, actor: "test", via: "test" });
    await cycleB();
    const still = await targetGroups("Engineering");
    expect(still).toHaveLength(1);
    expect(new Set(still[0]!.members)).toEqual(new Set([ids.ann, ids.ben]));
    const gone = await db.groupRecord.findUniqueOrThrow({ where: { id: gB.id } });
    expect(gone.pendingAction).toBe("DELETE");
    expect(gone.lastError).toMatch(/both channels are linked to it/);
  });

  it("two channels claiming one target group at the same moment: exactly one wins, and a stale claim is taken over", async () => {
    const db = await getDb();
    const target = targetKey(w.scim.baseUrl);
    expect(targetKey(`${w.scim.baseUrl}/`)).toBe(target);
    const mk = async (channelId: number, guid: string) =>
      (await db.groupRecord.create({ data: { channelId, guid, dn: `cn=${guid}`, providerName: "Race", dirty: true, pendingAction: "CREATE", memberDns: [] } })).id;
    const ra = await mk(w.channelId, "race-a");
    const rb = await mk(channelB, "race-b");
    const claim = (channelId: number, recordId: bigint, peers: number[]) => claimTarget(db, { target, kind: "group", scimId: "race-1", channelId, recordId, peers });
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? claim(w.channelId, ra, [channelB]) : claim(channelB, rb, [w.channelId]))));
    const winners = new Set(results.map((r, i) => (r === null ? (i % 2 ? "a" : "b") : null)).filter(Boolean));
    expect(winners.size).toBe(1);
    const loser = winners.has("a") ? { id: channelB, rec: rb, peers: [w.channelId] } : { id: w.channelId, rec: ra, peers: [channelB] };
    // the winner's record goes away (its group left the directory): the claim is stale, the other may link
    await db.groupRecord.delete({ where: { id: winners.has("a") ? ra : rb } });
    expect(await claimTarget(db, { target, kind: "group", scimId: "race-1", channelId: loser.id, recordId: loser.rec, peers: loser.peers })).toBeNull();
    await db.groupRecord.deleteMany({ where: { providerName: "Race" } });
  });
});
