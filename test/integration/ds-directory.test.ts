// The provisioning seed's everyday behaviours against a real 389 Directory Server,
// read through a service account with an ordinary read ACI (not Directory Manager):
// create, update on a mapped attribute's change, a group renamed, and a locked account
// (nsAccountLock: true, an operational attribute "*" does not return) disabled at the
// target. Channels use changeCapture "auto" (the retro changelog on 389-DS); a second
// run with FERRY_DS_FEEDS=timestamp holds the timestamp feed to the same behaviours.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { startDsWorld, type TDsChannel, type TDsWorld } from "../helpers/ds-world.ts";

let w: TDsWorld;
const dn: Record<string, string> = {};
let teamDn: string;

const feeds = (process.env.FERRY_DS_FEEDS ?? "auto").split(",").map((f) => f.trim()) as Array<"auto" | "timestamp" | "changelog">;

beforeAll(async () => {
  w = await startDsWorld({ feeds });
  for (const uid of ["ann", "upd", "lock1", "stay"]) dn[uid] = await w.addUser(uid);
  teamDn = await w.ds.addGroup("team-a", w.groupsDn, [dn.ann!, dn.stay!]);
  for (const c of w.channels) {
    const r = await c.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
  }
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

async function targetUser(c: TDsChannel, userName: string) {
  return (await c.scim.listUsers()).find((u) => u.userName === userName);
}

async function cycleAll() {
  for (const c of w.channels) {
    const r = await c.cycle();
    expect(r.status, `${c.label}: ${r.message}`).toBe("SUCCESS");
  }
}

describe("389-DS: the seed's behaviours", () => {
  it("creates the users in scope with their mapped attributes, and the provisioned group with its members", async () => {
    for (const c of w.channels) {
      const u = await targetUser(c, "ann");
      expect(u?.active, c.label).toBe(true);
      expect(u?.name?.givenName).toBe("ann");
      expect(u?.name?.familyName).toBe("Tester");
      expect(u?.emails?.[0]?.value).toBe("ann@ferry.test");
      const team = (await c.scim.listGroups()).find((g) => g.displayName === "team-a");
      expect(team?.members.length, c.label).toBe(2);
    }
  });

  it("reads with the feed the directory type chooses (the retro changelog), and the groups' change marker is entryUSN", async () => {
    const db = await getDb();
    for (const c of w.channels) {
      const ch = await db.channel.findUniqueOrThrow({ where: { id: c.id } });
      if (c.feed === "auto") expect(ch.changeFeed, c.label).toBe("changelog");
      if (c.scope === "group") expect(ch.groupTimestamp, c.label).toMatch(/^\d+$/);
    }
  });

  it("updates a user whose mapped attribute changed", async () => {
    // (not mail: SCIMMY appends a path-less replace's emails to the old ones instead of
    // replacing them, whatever the directory)
    await w.ds.replace(dn.upd!, { sn: "Renamed", cn: "Upd Renamed" });
    await cycleAll();
    for (const c of w.channels) {
      const u = await targetUser(c, "upd");
      expect(u?.name?.familyName, c.label).toBe("Renamed");
      expect(u?.displayName, c.label).toBe("Upd Renamed");
    }
  });

  it("disables a locked account (nsAccountLock: true), and enables it again when unlocked", async () => {
    await w.ds.replace(dn.lock1!, { nsAccountLock: "true" });
    await cycleAll();
    const db = await getDb();
    for (const c of w.channels) {
      expect((await targetUser(c, "lock1"))?.active, c.label).toBe(false);
      expect((await db.userRecord.findFirst({ where: { channelId: c.id, providerName: "lock1" } }))?.sourceState, c.label).toBe("DISABLED");
    }
    await w.ds.replace(dn.lock1!, { nsAccountLock: "false" });
    await cycleAll();
    for (const c of w.channels) expect((await targetUser(c, "lock1"))?.active, c.label).toBe(true);
  });

  it("renames a group renamed through modrdn at the target (same group)", async () => {
    const before = new Map<number, string | undefined>();
    for (const c of w.channels) before.set(c.id, (await c.scim.listGroups()).find((g) => g.displayName === "team-a")?.id);
    await w.ds.rename(teamDn, `cn=team-b,${w.groupsDn}`);
    await cycleAll();
    for (const c of w.channels) {
      const groups = await c.scim.listGroups();
      expect(groups.map((g) => g.displayName), c.label).toContain("team-b");
      expect(groups.map((g) => g.displayName)).not.toContain("team-a");
      expect(groups.find((g) => g.displayName === "team-b")?.id).toBe(before.get(c.id));
    }
  });

  it("two writes to the provisioning group within one second each move its change marker", async () => {
    const c = await w.ds.admin();
    const marker = async () => {
      const e = (await c.search(w.appGroupDn, { scope: "base", attributes: ["entryUSN", "modifyTimestamp"] })).searchEntries[0]!;
      const get = (name: string) => Object.entries(e).find(([k]) => k.toLowerCase() === name.toLowerCase())?.[1];
      return { entryusn: get("entryusn"), modifyTimestamp: get("modifyTimestamp") };
    };
    const a = await marker();
    await w.ds.replace(w.appGroupDn, { description: "one" });
    const b = await marker();
    await w.ds.replace(w.appGroupDn, { description: "two" });
    const d = await marker();
    expect(a.entryusn).toMatch(/^\d+$/);
    expect(new Set([a.entryusn, b.entryusn, d.entryusn]).size).toBe(3);
    // what the one-second modifyTimestamp would have said (when the writes share a second)
    if (b.modifyTimestamp === d.modifyTimestamp) expect(b.entryusn).not.toBe(d.entryusn);
  });
});
