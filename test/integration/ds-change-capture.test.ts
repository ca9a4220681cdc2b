// Against a real 389 Directory Server: a deletion, a move out of the base and a lost
// changelog position reach the target in the NEXT cycle through the retro changelog
// (lib/ldap/feeds/changelog.ts), not at the next full reconciliation an hour later.
// Per feed, two channels read the same directory: one scoped by the provisioning group,
// one by a filter (employeeType=staff).
//
// FERRY_DS_FEEDS=timestamp runs the same tests with modification timestamps only: the
// deletion and the move fail for the filter-scoped channel (nothing left in the base
// carries a newer timestamp). The group-scoped channel catches both with timestamps too,
// but through a full read of every user: 389-DS's memberOf plugin rewrites the group's
// `member` when a member is deleted or renamed, which moves the group's entryUSN. With the
// changelog, that cycle stays incremental (the changes, then the scope by GUID). The idle
// cycle, the lost-position tests and the unreadable changelog fail with timestamps too;
// the nested-group test passes with both (the memberOf plugin writes a nested
// membership on the user, which moves its modifyTimestamp): it is here for the scope.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Attribute, Change } from "ldapts";
import { ZSourceEdit } from "../../lib/channel-config/config.ts";
import { testSourceConnection } from "../../lib/channels/test-source-connection.ts";
import { parseChannelFile } from "../../lib/channel-config/resolve.ts";
import { getDb } from "../../lib/db/index.ts";
import { Directory } from "../../lib/ldap/directory.ts";
import { makeChangelogFeed } from "../../lib/ldap/feeds/changelog.ts";
import { directoryChangeMarker } from "../../lib/ldap/directory-marker.ts";
import { userAttributes, userScopeFilter } from "../../lib/ldap/scope.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { dsFeedsUnderTest, startDsWorld, type TDsChannel, type TDsWorld } from "../helpers/ds-world.ts";

let w: TDsWorld;
const dn: Record<string, string> = {};
const STAYING = ["stay1", "stay2", "stay3"];
let innerDn: string;

beforeAll(async () => {
  w = await startDsWorld({ feeds: dsFeedsUnderTest() });
  console.log(`389-DS: template ${w.ds.timings.createMs} ms (0: cached), copy + start ${w.ds.timings.startMs} ms`);
  for (const uid of ["del1", "mover", ...STAYING]) dn[uid] = await w.addUser(uid);
  dn.outsider = await w.addUser("outsider", { inScope: false });
  // a group nested in the provisioning group, with one member (nest2); nest1 joins it later
  dn.nest1 = await w.addUser("nest1", { inScope: false });
  dn.nest2 = await w.addUser("nest2", { inScope: false });
  innerDn = await w.ds.addGroup("inner", w.groupsDn, [dn.nest2]);
  await w.ds.addMembers(w.appGroupDn, [innerDn]);
  for (const c of w.channels) {
    const r = await c.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode).toBe("full");
  }
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

// These entries are seconds old; a real directory's are months old. The timestamp feed
// reads again everything changed within its 2-minute overlap — here every user — which
// would hide what it cannot see. Before each change the attribute-sync timestamp stands
// where it would for old entries: just now. (The changelog feed follows its cookie.)
beforeEach(async () => {
  const db = await getDb();
  const now = new Date(Date.now() - 1000).toISOString().slice(0, 19).replace(/[-T:]/g, "");
  for (const c of w.channels) await db.channel.update({ where: { id: c.id }, data: { attributeSyncTimestamp: `${now}Z` } });
});

async function targetUser(c: TDsChannel, userName: string) {
  return (await c.scim.listUsers()).find((u) => u.userName === userName);
}

async function sourceState(c: TDsChannel, userName: string) {
  const db = await getDb();
  return (await db.userRecord.findFirst({ where: { channelId: c.id, providerName: userName } }))?.sourceState;
}

/**
 * One cycle per channel, each successful and incremental — except the timestamp feed's
 * group-scoped channel when the write moved the provisioning group (memberOf rewrites it):
 * that one reads everything. The changelog feed reads the changes and the scope again,
 * GUIDs only.
 */
async function cycleAll(groupMoved: boolean) {
  for (const c of w.channels) {
    const r = await c.cycle();
    expect(r.status, `${c.label}: ${r.message}`).toBe("SUCCESS");
    const expected = c.scope === "group" && groupMoved && c.feed === "timestamp" ? "full" : "incremental";
    expect(r.stats.mode, `${c.label}: ${r.stats.reasons.join("; ")}`).toBe(expected);
    if (expected === "full") expect(r.stats.reasons.join("; ")).toMatch(/provisioning group changed/);
    if (c.scope === "group" && groupMoved && c.feed !== "timestamp") expect(r.stats.phases["users.rescope"], c.label).toBeGreaterThanOrEqual(0);
  }
}

async function expectStayingActive() {
  for (const c of w.channels) for (const uid of STAYING) expect((await targetUser(c, uid))?.active, `${c.label}: ${uid}`).toBe(true);
}

describe("389-DS: the first (full) cycle", () => {
  it("provisions the users in scope, through the service account's rights", async () => {
    for (const c of w.channels) {
      for (const uid of ["del1", "mover", ...STAYING]) expect((await targetUser(c, uid))?.active, `${c.label}: ${uid}`).toBe(true);
      expect(await targetUser(c, "outsider"), c.label).toBeUndefined();
    }
  });
});

describe("389-DS change capture: each change reaches the target in the next cycle", () => {
  it("a deleted user (a direct member of the provisioning group) is deprovisioned", async () => {
    await w.ds.remove(dn.del1!);
    await cycleAll(true);
    for (const c of w.channels) {
      expect((await targetUser(c, "del1"))?.active, c.label).toBe(false);
      expect(await sourceState(c, "del1"), c.label).toBe("DELETED");
    }
    await expectStayingActive();
  });

  it("a user moved out of the base DN is deprovisioned", async () => {
    await w.ds.rename(dn.mover!, `uid=mover,${w.elsewhereDn}`);
    await cycleAll(true);
    for (const c of w.channels) {
      expect((await targetUser(c, "mover"))?.active, c.label).toBe(false);
      // a re-read by GUID finds it outside the scope; a full read (timestamp, the group moved)
      // finds its old DN gone and records it deleted: either way it is deprovisioned
      expect(await sourceState(c, "mover"), c.label).toBe(c.scope === "group" && c.feed === "timestamp" ? "DELETED" : "OUT_OF_SCOPE");
    }
    await expectStayingActive();
  });

  it("nested groups: a user added to a group inside the provisioning group is provisioned, one removed is deprovisioned", async () => {
    const groupChannels = w.channels.filter((c) => c.scope === "group");
    for (const c of groupChannels) {
      expect((await targetUser(c, "nest2"))?.active, c.label).toBe(true);
      expect(await targetUser(c, "nest1"), c.label).toBeUndefined();
    }
    // 389-DS's memberOf plugin writes the nested membership on the user (memberOf), not on the provisioning group
    await w.ds.addMembers(innerDn, [dn.nest1!]);
    await cycleAll(false);
    for (const c of groupChannels) expect((await targetUser(c, "nest1"))?.active, c.label).toBe(true);
    await w.ds.removeMembers(innerDn, [dn.nest2!]);
    await cycleAll(false);
    for (const c of groupChannels) {
      expect((await targetUser(c, "nest2"))?.active, c.label).toBe(false);
      expect(await sourceState(c, "nest2"), c.label).toBe("OUT_OF_SCOPE");
    }
    await expectStayingActive();
  });

  it("an idle incremental cycle reads nothing but the changelog's range", async () => {
    for (const c of w.channels) await c.cycle();
    for (const c of w.channels.filter((ch) => ch.scope === "filter")) {
      const times: number[] = [];
      const read: number[] = [];
      for (let i = 0; i < 5; i++) {
        const t = Date.now();
        const r = await c.cycle();
        times.push(Date.now() - t);
        read.push(r.stats.usersRead);
        expect(r.stats.mode).toBe("incremental");
      }
      times.sort((a, b) => a - b);
      console.log(`389-DS idle incremental cycle, ${c.label}: median ${times[2]} ms (${times.join(", ")}), users read ${read.join(", ")}`);
      // the timestamp feed reads again whatever changed within its 2-minute overlap
      expect(read, c.label).toEqual([0, 0, 0, 0, 0]);
    }
  });
});

describe("389-DS change capture: the changelog is read a window at a time", () => {
  it("reports every change across windows and stands on the last change number", async () => {
    const c = w.channels.find((ch) => ch.scope === "filter")!;
    const source = parseChannelFile(c.config).source;
    const dir = await Directory.open(source);
    try {
      const req = { dir, source, filter: userScopeFilter(source), attributes: userAttributes(source), since: null };
      const feed = makeChangelogFeed({ window: 2 });
      const cookie = await feed.start(req);
      expect(cookie).toMatch(/^\d+$/);
      // seven writes under the base, four windows of two: four adds, a modify, a delete, a modify
      const made: string[] = [];
      for (let i = 0; i < 4; i++) made.push(await w.ds.addUser({ uid: `win${i}`, ouDn: w.peopleDn }));
      await w.ds.replace(made[0]!, { sn: "Windowed" });
      const guidOfDeleted = w.ds.uniqueIdOf(made[3]!);
      await guidOfDeleted;
      await w.ds.remove(made[3]!);
      await w.ds.replace(dn.outsider!, { description: "windowed" });
      const batches: Array<{ changed?: string[]; gone?: Array<{ guid: string; deleted: boolean }> }> = [];
      const next = await feed.read(req, cookie, async (b) => {
        batches.push(b);
      });
      expect(next).toBe(String((await w.ds.changelogRange()).last));
      const changed = new Set(batches.flatMap((b) => b.changed ?? []));
      const gone = batches.flatMap((b) => b.gone ?? []);
      for (const d of made.slice(0, 3)) expect(changed, d).toContain(await w.ds.uniqueIdOf(d));
      expect(changed).toContain(await w.ds.uniqueIdOf(dn.outsider!));
      expect(gone).toEqual([{ guid: await guidOfDeleted, deleted: true }]);
      // win3's add and its delete fall in different windows: the add's window reports it
      // changed (the cycle reads it again by GUID and does not find it), the next one gone
      expect(changed.has(gone[0]!.guid)).toBe(true);
      // nothing after it: the same cookie back, no batch
      const after: unknown[] = [];
      expect(await feed.read(req, next, async (b) => void after.push(b))).toBe(next);
      expect(after).toEqual([]);
    } finally {
      await dir.close();
    }
  });
});

describe("389-DS change capture: a lost position falls back to a full read, never to deprovisioning", () => {
  async function activeUsers(c: TDsChannel) {
    return (await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort();
  }

  async function expectFallback(c: TDsChannel, before: string[]) {
    const r = await c.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode, c.label).toBe("full");
    expect(r.stats.reasons.join("; "), c.label).toMatch(/change feed reset/);
    expect(r.stats.released.users, c.label).toBe(0);
    const after = new Set(await activeUsers(c));
    expect(before.filter((n) => !after.has(n)), c.label).toEqual([]);
    expect(before.length).toBeGreaterThanOrEqual(STAYING.length);
    // the feed stands on a fresh cookie: the next cycle is incremental again
    const next = await c.cycle();
    expect(next.stats.mode, next.stats.reasons.join("; ")).toBe("incremental");
  }

  it("a changelog trimmed past the stored change number", async () => {
    const feedChannels = w.channels.filter((c) => c.feed !== "timestamp");
    if (feedChannels.length === 0) {
      // the timestamp feed has no changelog position to lose: this is what it cannot do
      expect.fail("the timestamp feed keeps no changelog position; nothing to trim");
    }
    const before = new Map<number, string[]>();
    for (const c of w.channels) {
      await c.cycle();
      before.set(c.id, await activeUsers(c));
    }
    // two writes after the channels' cookie, the first trimmed away (nsslapd-changelogmaxage does this)
    await w.ds.replace(dn.outsider!, { description: "one" });
    await w.ds.replace(dn.outsider!, { description: "two" });
    const { last } = await w.ds.changelogRange();
    await w.ds.trimChangelog(last - 1);
    const gone = await (await w.ds.admin()).search("cn=changelog", { scope: "one", filter: `(changeNumber<=${last - 1})`, attributes: ["changeNumber"] });
    expect(gone.searchEntries).toEqual([]);
    for (const c of feedChannels) await expectFallback(c, before.get(c.id)!);
  });

  it("a cookie that is not a change number, or beyond the changelog's end", async () => {
    const db = await getDb();
    for (const bad of ["not-a-number", "99999999"]) {
      const feedChannels = w.channels.filter((c) => c.feed !== "timestamp");
      expect(feedChannels.length, "the timestamp feed keeps no changelog position").toBeGreaterThan(0);
      for (const c of feedChannels) {
        const before = await activeUsers(c);
        await db.channel.update({ where: { id: c.id }, data: { changeCookie: bad } });
        await expectFallback(c, before);
      }
    }
  });
});

describe("389-DS change capture: a bind account that may not read cn=changelog", () => {
  async function warnings() {
    const value = ZSourceEdit.parse({ directoryType: "389ds", url: w.ds.url, bindDn: w.ds.serviceDn, bindPassword: w.ds.servicePassword, baseDn: w.peopleDn, groupDn: w.appGroupDn });
    const r = await testSourceConnection({ actor: "test", via: "test", source: { ok: true, value } });
    if (!r.ok) throw new Error(r.error);
    expect(r.usersInScope).toBeGreaterThan(0);
    return r.warnings.join("\n");
  }
  const changelogAcis = async () => {
    const admin = await w.ds.admin();
    const { searchEntries } = await admin.search("cn=changelog", { scope: "base", attributes: ["aci"] });
    const acis = ([] as string[]).concat((searchEntries[0]?.aci as string | string[] | undefined) ?? []);
    return { admin, acis };
  };

  it("follows modification timestamps instead, says so in Test connection, and takes the changelog up again once allowed", async () => {
    const feedChannels = w.channels.filter((c) => c.feed !== "timestamp");
    expect(feedChannels.length, "the timestamp feed has no changelog to lose").toBeGreaterThan(0);
    expect(await warnings()).toBe("");
    const { admin, acis } = await changelogAcis();
    expect(acis.length).toBe(1);
    await admin.modify("cn=changelog", new Change({ operation: "delete", modification: new Attribute({ type: "aci", values: acis }) }));
    expect(await warnings()).toMatch(/cannot read the retro changelog/);

    const db = await getDb();
    for (const c of feedChannels) {
      // the next full read (here: forced by a cookie the feed refuses) finds no readable changelog
      await db.channel.update({ where: { id: c.id }, data: { changeCookie: "not-a-number" } });
      const r = await c.cycle();
      expect(r.status, r.message).toBe("SUCCESS");
      expect(r.stats.mode, c.label).toBe("full");
      expect((await db.channel.findUniqueOrThrow({ where: { id: c.id } })).changeCookie, c.label).toBe("timestamp");
    }
    // incremental cycles follow timestamps: a changed user is still updated
    await w.ds.replace(dn.stay2!, { sn: "Followed" });
    for (const c of feedChannels) {
      const r = await c.cycle();
      expect(r.stats.mode, `${c.label}: ${r.stats.reasons.join("; ")}`).toBe("incremental");
      expect((await targetUser(c, "stay2"))?.name?.familyName, c.label).toBe("Followed");
    }
    await expectStayingActive();

    // allowed again: one full read, then the changelog
    await admin.modify("cn=changelog", new Change({ operation: "add", modification: new Attribute({ type: "aci", values: acis }) }));
    expect(await warnings()).toBe("");
    for (const c of feedChannels) {
      const r = await c.cycle();
      expect(r.stats.mode, c.label).toBe("full");
      expect(r.stats.reasons.join("; ")).toMatch(/changelog is readable now/);
      expect((await db.channel.findUniqueOrThrow({ where: { id: c.id } })).changeCookie, c.label).toMatch(/^\d+$/);
      expect((await c.cycle()).stats.mode, c.label).toBe("incremental");
    }
  });
});

describe("389-DS change capture: the server's own trimming", () => {
  // last in this file: from here on the changelog keeps one second of changes
  it("a changelog trimmed by nsslapd-changelogmaxage past the stored change number falls back to a full read", async () => {
    const feedChannels = w.channels.filter((c) => c.feed !== "timestamp");
    expect(feedChannels.length, "the timestamp feed keeps no changelog position").toBeGreaterThan(0);
    const before = new Map<number, string[]>();
    for (const c of w.channels) {
      await c.cycle();
      before.set(c.id, (await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort());
    }
    const admin = await w.ds.admin();
    await admin.modify("cn=Retro Changelog Plugin,cn=plugins,cn=config", [
      new Change({ operation: "replace", modification: new Attribute({ type: "nsslapd-changelogmaxage", values: ["1s"] }) }),
      new Change({ operation: "replace", modification: new Attribute({ type: "nsslapd-changelog-trim-interval", values: ["1"] }) }),
    ]);
    const restartMs = await w.ds.restart();
    console.log(`389-DS restart (clean stop + start): ${restartMs} ms`);
    await w.ds.replace(dn.outsider!, { description: "trimmed one" });
    await w.ds.replace(dn.outsider!, { description: "trimmed two" });
    const { last } = await w.ds.changelogRange();
    // the server trims what is older than a second, and says so in the root DSE
    await waitFor("the changelog's trimming", async () => (await w.ds.changelogRange()).first > 0 && (await w.ds.changelogRange()).first >= last, 15_000, 250);
    for (const c of feedChannels) {
      const r = await c.cycle();
      expect(r.status, r.message).toBe("SUCCESS");
      expect(r.stats.mode, c.label).toBe("full");
      expect(r.stats.reasons.join("; "), c.label).toMatch(/change feed reset: .*trimmed/);
      expect(r.stats.released.users, c.label).toBe(0);
      const after = new Set((await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName));
      expect(before.get(c.id)!.filter((n) => !after.has(n)), c.label).toEqual([]);
    }
  }, 60_000);
});

describe("389-DS: the directory's change marker (the groups' listing is left out while it stands still)", () => {
  it("lastchangenumber stands still while nothing is written and moves on a write", async () => {
    const source = parseChannelFile(w.channels[0]!.config).source;
    const dir = await Directory.open(source);
    try {
      const m1 = await directoryChangeMarker(dir, source);
      expect(m1).toMatch(/^changelog:\d+$/);
      expect(await directoryChangeMarker(dir, source)).toBe(m1);
      await w.ds.addGroup("marker-moves", w.groupsDn, []);
      expect(await directoryChangeMarker(dir, source)).not.toBe(m1);
    } finally {
      await dir.close();
    }
  });
});
