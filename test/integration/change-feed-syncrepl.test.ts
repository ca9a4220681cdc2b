// OpenLDAP change capture through RFC 4533 content synchronisation (lib/ldap/feeds/syncrepl.ts),
// against a real slapd with syncprov, memberof and refint, and a real SCIM service. Each
// case is a change the seed's timestamp polling does not see until the next full read:
// switched to changeCapture "timestamp", the first three fail.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client } from "ldapts";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";

const CAPTURE = "syncrepl";
let w: TWorld;
let group: string;
let n = 0;

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    configure: (cfg) => {
      cfg.source.changeCapture = CAPTURE;
    },
  });
  group = `cn=app-users,${w.slapd.groupsDn}`;
});
afterAll(async () => {
  await w?.stop();
});

/** Adds users to the directory and the provisioning group, and provisions them (a full read: the group changed). */
async function provision(count: number, prefix: string): Promise<string[]> {
  const dns: string[] = [];
  for (let i = 0; i < count; i++) {
    n++;
    dns.push(await w.slapd.addUser({ uid: `${prefix}${i}`, givenName: "Sync", sn: `${prefix}${i}`, mail: `${prefix}${i}@example.com` }));
  }
  await w.slapd.addMembers(group, dns);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  return dns;
}

async function activeAtTarget(userName: string): Promise<boolean | undefined> {
  return (await w.scim.listUsers()).find((u) => u.userName === userName)?.active;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ url: w.slapd.url });
  await c.bind(w.slapd.adminDn, w.slapd.adminPassword);
  try {
    return await fn(c);
  } finally {
    await c.unbind();
  }
}

async function groupMarker(): Promise<unknown> {
  return admin(async (c) => (await c.search(group, { scope: "base", attributes: ["entryCSN"] })).searchEntries[0]?.entryCSN);
}

describe("incremental cycles with the syncrepl feed", () => {
  it("starts from a cookie taken before the full read, and an idle cycle is incremental with nothing to do", async () => {
    await provision(20, "base");
    const db = await getDb();
    const ch = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
    expect(ch.changeFeed).toBe("syncrepl");
    expect(JSON.parse(ch.changeCookie!).users).toBeTruthy();
    const idle = await w.cycle();
    expect(idle.status, idle.message).toBe("SUCCESS");
    expect(idle.stats.mode).toBe("incremental");
    expect(idle.stats.usersRead).toBe(0);
  });

  it("a user deleted from the directory, a direct member of the provisioning group, is deprovisioned by the next incremental cycle", async () => {
    const [dn] = await provision(1, "del");
    expect(await activeAtTarget("del0")).toBe(true);
    const before = await groupMarker();
    await w.slapd.remove(dn!); // refint takes the member value away: the group's entryCSN does not move
    expect(await groupMarker()).toEqual(before);

    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode).toBe("incremental");
    expect(r.stats.usersDeleted).toBe(1);
    expect(await activeAtTarget("del0")).toBe(false);
    expect((await userRecord(w.channelId, "del0"))?.sourceState).toBe("DELETED");
  });

  it("a user moved out of the base DN (modrdn newSuperior) is deprovisioned by the next incremental cycle", async () => {
    const [dn] = await provision(1, "mov");
    await admin((c) => c.modifyDN(dn!, `uid=mov0,${w.slapd.systemDn}`));

    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode).toBe("incremental");
    expect(await activeAtTarget("mov0")).toBe(false);
    // it still exists, elsewhere: out of the scope, not deleted
    expect((await userRecord(w.channelId, "mov0"))?.sourceState).toBe("OUT_OF_SCOPE");
    // and nobody else was touched
    expect(await activeAtTarget("base0")).toBe(true);
  });

  it("an attribute change reaches the target by the next incremental cycle", async () => {
    await w.slapd.modify(`uid=base1,${w.slapd.peopleDn}`, { sn: "Renamed" });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode).toBe("incremental");
    expect(r.stats.usersRead).toBe(1);
    expect((await w.scim.listUsers()).find((u) => u.userName === "base1")?.name?.familyName).toBe("Renamed");
  });

  it("a user joining or leaving the provisioning group: an incremental cycle (the changes, the scope by GUID), not a full read", async () => {
    const dn = await w.slapd.addUser({ uid: "joiner", givenName: "Sync", sn: "Joiner", mail: "joiner@example.com" });
    await w.slapd.addMembers(group, [dn]);
    const joined = await w.cycle();
    expect(joined.status, joined.message).toBe("SUCCESS");
    expect(joined.stats.mode).toBe("incremental");
    expect(await activeAtTarget("joiner")).toBe(true);
    const before = (await w.scim.listUsers()).filter((u) => u.active).length;
    await w.slapd.removeMembers(group, [dn]);
    const left = await w.cycle();
    expect(left.status, left.message).toBe("SUCCESS");
    expect(left.stats.mode).toBe("incremental");
    expect(left.stats.usersLeftScope + left.stats.usersMissing).toBe(1);
    expect(await activeAtTarget("joiner")).toBe(false);
    expect((await w.scim.listUsers()).filter((u) => u.active).length).toBe(before - 1);
  });
});

describe("a cookie the directory cannot continue from", () => {
  it("an unreadable cookie falls back to a full read, which deprovisions nobody who is still there", async () => {
    const db = await getDb();
    await db.channel.update({ where: { id: w.channelId }, data: { changeCookie: JSON.stringify({ v: 1, users: Buffer.from("garbage").toString("base64") }) } });
    const before = (await w.scim.listUsers()).filter((u) => u.active).length;

    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode).toBe("full");
    expect(r.stats.reasons.join("; ")).toMatch(/change feed reset/);
    expect(r.stats.usersMissing).toBe(0);
    expect((await w.scim.listUsers()).filter((u) => u.active).length).toBe(before);
    // and the feed starts again from a fresh cookie
    const next = await w.cycle();
    expect(next.stats.mode).toBe("incremental");
  });

  it("a cookie ahead of the directory (restored from a backup) falls back to a full read", async () => {
    const db = await getDb();
    const ahead = Buffer.from("rid=000,csn=20990101000000.000000Z#000000#000#000000").toString("base64");
    await db.channel.update({ where: { id: w.channelId }, data: { changeCookie: JSON.stringify({ v: 1, users: ahead }) } });
    const before = (await w.scim.listUsers()).filter((u) => u.active).length;

    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode).toBe("full");
    // slapd: "consumer state is newer than provider!"
    expect(r.stats.reasons.join("; ")).toMatch(/change feed reset: .*newer than provider/);
    expect((await w.scim.listUsers()).filter((u) => u.active).length).toBe(before);
    const ch = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
    expect(Buffer.from(JSON.parse(ch.changeCookie!).users, "base64").toString()).not.toContain("2099");
  });

  it("a cookie older than the directory's session log is answered with the present phase: only who is really gone is deprovisioned", async () => {
    const db = await getDb();
    const [gone] = await provision(1, "old");
    // a well-formed cookie from long ago: syncprov lists everything still in the scope
    const old = Buffer.from("rid=000,csn=20200101000000.000000Z#000000#000#000000").toString("base64");
    await db.channel.update({ where: { id: w.channelId }, data: { changeCookie: JSON.stringify({ v: 1, users: old }) } });
    await w.slapd.remove(gone!);
    const before = (await w.scim.listUsers()).filter((u) => u.active).length;

    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode).toBe("incremental");
    expect(r.stats.usersMissing).toBe(1);
    expect(await activeAtTarget("old0")).toBe(false);
    expect((await w.scim.listUsers()).filter((u) => u.active).length).toBe(before - 1);
  });
});

describe("the deprovisioning guard", () => {
  it("a mass deletion seen by the feed is held by the percent threshold, not applied", async () => {
    const dns = await provision(30, "mass");
    const active = (await w.scim.listUsers()).filter((u) => u.active).length;
    // more than half of everyone provisioned leaves in one go
    const leaving = Math.ceil(active * 0.6);
    const victims = [...dns, ...Array.from({ length: 20 }, (_, i) => `uid=base${i},${w.slapd.peopleDn}`)].slice(0, leaving);
    await admin(async (c) => {
      for (const dn of victims) await c.modifyDN(dn, `${dn.split(",")[0]},${w.slapd.systemDn}`);
    });

    const r = await w.cycle();
    expect(r.stats.mode).toBe("incremental");
    expect(r.status, r.message).toBe("PARTIAL");
    expect(r.message).toMatch(/held/);
    expect((await w.scim.listUsers()).filter((u) => u.active).length).toBe(active);
    const holds = await (await getDb()).deprovisionHold.findMany({ where: { channelId: w.channelId, status: "HELD" } });
    expect(holds).toHaveLength(1);
    expect(holds[0]).toMatchObject({ kind: "users", rule: "percent", count: leaving });
  });
});
