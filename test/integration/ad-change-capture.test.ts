// Against a real Active Directory (Samba AD DC): every change the seed names reaches the
// target in the NEXT incremental cycle — not at the next full reconciliation an hour
// later — through Active Directory's change capture: the DirSync control and its
// fallback, uSNChanged with Show Deleted. Each channel (one per feed) reads the same
// directory into its own target; each test makes one change, runs one cycle per channel
// and checks that the cycle was incremental and the target holds the change.
// FERRY_AD_FEEDS=timestamp runs the same tests with modification timestamps only: the
// deletions, the nested group changes and the move out of the base then fail.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { toAccountExpires } from "../../lib/ldap/scope.ts";
import { feedsUnderTest, startAdWorld, type TAdChannel, type TAdWorld } from "../helpers/ad-world.ts";

let w: TAdWorld;
const dn: Record<string, string> = {};
let innerDn: string;
let inner2Dn: string;
let otherDn: string;
let teamDn: string;

const STAYING = ["stay1", "stay2", "stay3"];

beforeAll(async () => {
  w = await startAdWorld({ feeds: feedsUnderTest() });
  // direct members of the provisioning group
  for (const sam of ["del1", "mover", "dis1", "exp1", "ren1", "ren2", ...STAYING]) dn[sam] = await w.addUser(sam, { memberOf: [w.appGroupDn] });
  // a group nested in it, and users who are (nest2) or will be (nest1) its members
  dn.nest1 = await w.addUser("nest1");
  dn.nest2 = await w.addUser("nest2");
  innerDn = await w.ad.addGroup("inner", w.groupsDn, [dn.nest2]);
  dn.nest3 = await w.addUser("nest3");
  inner2Dn = await w.ad.addGroup("inner2", w.groupsDn, [dn.nest3]);
  await w.ad.addMembers(w.appGroupDn, [innerDn, inner2Dn]);
  // a group outside the scope
  otherDn = await w.ad.addGroup("other", w.groupsDn, [dn.stay1!]);
  // a provisioned group
  teamDn = await w.ad.addGroup("team-a", w.groupsDn, [dn.stay1!]);
  for (const c of w.channels) {
    const r = await c.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode).toBe("full");
  }
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

// The entries of this directory are seconds old; a real directory's are months old. The
// timestamp feed reads again everything changed within its 2-minute overlap, which here
// would be every user — and would hide what it cannot see. Before each change, the
// attribute-sync timestamp stands where it would for old entries: just now. (The AD
// feeds do not read it: they follow their cookie.)
beforeEach(async () => {
  const db = await getDb();
  const now = new Date(Date.now() - 1000).toISOString().slice(0, 19).replace(/[-T:]/g, "");
  for (const c of w.channels) await db.channel.update({ where: { id: c.id }, data: { attributeSyncTimestamp: `${now}.0Z` } });
});

async function targetUser(c: TAdChannel, userName: string) {
  return (await c.scim.listUsers()).find((u) => u.userName === userName);
}

/** one cycle per channel, each incremental and successful */
async function cycleAll() {
  for (const c of w.channels) {
    const r = await c.cycle();
    expect(r.status, `${c.feed}: ${r.message}`).toBe("SUCCESS");
    expect(r.stats.mode, `${c.feed}: ${r.stats.reasons.join("; ")}`).toBe("incremental");
  }
}

/** what the store says the directory said about a user (DELETED, OUT_OF_SCOPE, DISABLED, IN_SCOPE) */
async function sourceState(c: TAdChannel, userName: string) {
  const db = await getDb();
  return (await db.userRecord.findFirst({ where: { channelId: c.id, providerName: userName } }))?.sourceState;
}

async function expectStayingActive() {
  for (const c of w.channels) for (const sam of STAYING) expect((await targetUser(c, sam))?.active, `${c.feed}: ${sam}`).toBe(true);
}

describe("Active Directory: the first (full) cycle", () => {
  it("provisions the direct and nested members of the provisioning group", async () => {
    for (const c of w.channels) {
      for (const sam of ["del1", "mover", "dis1", "exp1", "ren1", "ren2", "nest2", "nest3", ...STAYING]) {
        expect((await targetUser(c, sam))?.active, `${c.feed}: ${sam}`).toBe(true);
      }
      expect(await targetUser(c, "nest1")).toBeUndefined();
    }
  });
});

describe("Active Directory change capture: each change reaches the target in the next incremental cycle", () => {
  it("a deleted direct member of the provisioning group is deprovisioned (AD does not touch the group)", async () => {
    const groupUsn = (await w.ad.admin().then((c) => c.search(w.appGroupDn, { scope: "base", attributes: ["uSNChanged"] }))).searchEntries[0]?.uSNChanged;
    await w.ad.remove(dn.del1!);
    const after = (await w.ad.admin().then((c) => c.search(w.appGroupDn, { scope: "base", attributes: ["uSNChanged"] }))).searchEntries[0]?.uSNChanged;
    // what makes this hard: the group's change marker does not move
    expect(after).toBe(groupUsn);
    await cycleAll();
    for (const c of w.channels) {
      expect((await targetUser(c, "del1"))?.active, c.feed).toBe(false);
      expect(await sourceState(c, "del1"), c.feed).toBe("DELETED");
    }
    await expectStayingActive();
  });

  it("a user added to a nested group is provisioned", async () => {
    await w.ad.addMembers(innerDn, [dn.nest1!]);
    await cycleAll();
    for (const c of w.channels) {
      expect((await targetUser(c, "nest1"))?.active, c.feed).toBe(true);
      expect(await sourceState(c, "nest1"), c.feed).toBe("IN_SCOPE");
    }
  });

  it("a user removed from a nested group is deprovisioned", async () => {
    await w.ad.removeMembers(innerDn, [dn.nest2!]);
    await cycleAll();
    for (const c of w.channels) {
      expect((await targetUser(c, "nest2"))?.active, c.feed).toBe(false);
      expect(await sourceState(c, "nest2"), c.feed).toBe("OUT_OF_SCOPE");
    }
    await expectStayingActive();
  });

  it("the members of a deleted nested group are deprovisioned (nothing else in the directory moves)", async () => {
    await w.ad.remove(inner2Dn);
    await cycleAll();
    for (const c of w.channels) {
      expect((await targetUser(c, "nest3"))?.active, c.feed).toBe(false);
      expect(await sourceState(c, "nest3"), c.feed).toBe("OUT_OF_SCOPE");
    }
    await expectStayingActive();
  });

  it("a member change in a group outside the scope does not have the scope read again", async () => {
    await w.ad.addMembers(otherDn, [dn.stay2!]);
    for (const c of w.channels) {
      const r = await c.cycle();
      expect(r.stats.mode).toBe("incremental");
      expect(r.stats.phases["users.rescope"], c.feed).toBeUndefined();
    }
    // while one inside it does (the nested-add test above relies on it)
    await w.ad.addMembers(innerDn, [dn.stay3!]);
    for (const c of w.channels.filter((ch) => ch.feed !== "timestamp")) {
      const r = await c.cycle();
      expect(r.stats.phases["users.rescope"], c.feed).toBeGreaterThanOrEqual(0);
    }
    await expectStayingActive();
  });

  it("a user moved out of the base DN is deprovisioned", async () => {
    await w.ad.rename(dn.mover!, `CN=mover,${w.elsewhereDn}`);
    await cycleAll();
    for (const c of w.channels) {
      expect((await targetUser(c, "mover"))?.active, c.feed).toBe(false);
      expect(await sourceState(c, "mover"), c.feed).toBe("OUT_OF_SCOPE");
    }
    await expectStayingActive();
  });

  it("a user disabled through userAccountControl (ACCOUNTDISABLE) is deprovisioned", async () => {
    await w.ad.replace(dn.dis1!, { userAccountControl: String(0x220 | 0x2) });
    await cycleAll();
    for (const c of w.channels) {
      expect((await targetUser(c, "dis1"))?.active, c.feed).toBe(false);
      // read as disabled, not mistaken for gone
      expect(await sourceState(c, "dis1"), c.feed).toBe("DISABLED");
    }
  });

  it("a user whose accountExpires is in the past is deprovisioned", async () => {
    await w.ad.replace(dn.exp1!, { accountExpires: toAccountExpires(Date.now() - 3_600_000) });
    await cycleAll();
    for (const c of w.channels) {
      expect((await targetUser(c, "exp1"))?.active, c.feed).toBe(false);
      expect(await sourceState(c, "exp1"), c.feed).toBe("DISABLED");
    }
  });

  it("a sAMAccountName rename renames the user at the target (same account)", async () => {
    const before = new Map<number, string | undefined>();
    for (const c of w.channels) before.set(c.id, (await targetUser(c, "ren1"))?.id);
    await w.ad.replace(dn.ren1!, { sAMAccountName: "ren1-new" });
    await cycleAll();
    for (const c of w.channels) {
      const u = await targetUser(c, "ren1-new");
      expect(u?.id, c.feed).toBe(before.get(c.id));
      expect(u?.active).toBe(true);
    }
  });

  it("a cn rename (modrdn) reaches the target's displayName", async () => {
    await w.ad.rename(dn.ren2!, `CN=ren2 renamed,${w.peopleDn}`);
    await cycleAll();
    for (const c of w.channels) {
      const u = await targetUser(c, "ren2");
      expect(u?.raw.displayName, c.feed).toBe("ren2 renamed");
      expect(u?.active).toBe(true);
    }
  });

  it("a group renamed through modrdn is renamed at the target", async () => {
    for (const c of w.channels) expect((await c.scim.listGroups()).map((g) => g.displayName)).toContain("team-a");
    await w.ad.rename(teamDn, `CN=team-b,${w.groupsDn}`);
    await cycleAll();
    for (const c of w.channels) {
      const names = (await c.scim.listGroups()).map((g) => g.displayName);
      expect(names, c.feed).toContain("team-b");
      expect(names).not.toContain("team-a");
    }
  });

  it("a cookie the directory refuses falls back to a full read: nobody is deprovisioned by it", async () => {
    const db = await getDb();
    const activeBefore = new Map<number, string[]>();
    for (const c of w.channels) activeBefore.set(c.id, (await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort());
    for (const c of w.channels) {
      const bad = c.feed === "dirsync" ? `dirsync:${Buffer.from("not a DirSync cookie at all").toString("base64")}` : c.feed === "usn" ? "99999999999" : "19700101000000.0Z";
      await db.channel.update({ where: { id: c.id }, data: { changeCookie: bad, ...(c.feed === "timestamp" ? { attributeSyncTimestamp: bad } : {}) } });
    }
    for (const c of w.channels) {
      const r = await c.cycle();
      expect(r.status, r.message).toBe("SUCCESS");
      expect(r.stats.mode, c.feed).toBe("full");
      expect(r.stats.reasons.join("; "), c.feed).toMatch(/change feed reset/);
      expect(r.stats.released.users).toBe(0);
      // everyone active before is active still (a full read may provision what an earlier cycle missed, never take anyone away)
      const activeAfter = new Set((await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName));
      expect(activeBefore.get(c.id)!.filter((n) => !activeAfter.has(n)), c.feed).toEqual([]);
      expect(activeBefore.get(c.id)!.length).toBeGreaterThanOrEqual(STAYING.length);
      // and the feed stands on a fresh cookie: the next cycle is incremental again
      const next = await c.cycle();
      expect(next.stats.mode, next.stats.reasons.join("; ")).toBe("incremental");
    }
  });
});

describe("Active Directory: the groups' listing while the directory stands still", () => {
  it("is left out of an idle incremental cycle (highestCommittedUSN unmoved) and done again after a write", async () => {
    await cycleAll();
    for (const c of w.channels) {
      const r = await c.cycle();
      expect(r.stats.mode, c.feed).toBe("incremental");
      expect(r.stats.groupsListingSkipped, c.feed).toBe(true);
    }
    const teamC = await w.ad.addGroup("team-c", w.groupsDn, [dn.stay2!]);
    for (const c of w.channels) {
      const r = await c.cycle();
      expect(r.stats.groupsListingSkipped ?? false, c.feed).toBe(false);
      expect((await c.scim.listGroups()).map((g) => g.displayName), c.feed).toContain("team-c");
    }
    expect(teamC).toMatch(/^CN=team-c/i);
  });
});
