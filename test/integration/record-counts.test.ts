// The channel list's counts (issue 17) are kept by triggers (migration 0041) instead of
// counted: after every kind of write — a first load and its push, a user disabled and
// one added, provision on demand, a failing push, clearing and deleting dirty records,
// resets, a cycle's compaction, a second channel's writes and its delete — the list says
// exactly what count(*) says.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { listChannels } from "../../lib/channels/list-channels.ts";
import { clearDirtyRecords } from "../../lib/channels/clear-dirty-records.ts";
import { deleteDirtyRecords } from "../../lib/channels/delete-dirty-records.ts";
import { resetAll } from "../../lib/channels/reset-all.ts";
import { deleteAll } from "../../lib/channels/delete-all.ts";
import { deleteChannel } from "../../lib/channels/delete-channel.ts";
import { provisionOnDemand } from "../../lib/channels/provision-on-demand.ts";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { runCycle } from "../../lib/sync/run-cycle.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;
const actor = { actor: "test", via: "test" as const };
const dns: Record<string, string> = {};

async function exact(channelId: number) {
  const db = await getDb();
  const [u] = await db.$queryRawUnsafe<Array<{ n: number; d: number }>>(
    `SELECT count(*)::int AS n, (count(*) FILTER (WHERE dirty))::int AS d FROM user_record WHERE channel_id = $1`,
    channelId,
  );
  const [g] = await db.$queryRawUnsafe<Array<{ n: number; d: number }>>(
    `SELECT count(*)::int AS n, (count(*) FILTER (WHERE dirty))::int AS d FROM group_record WHERE channel_id = $1`,
    channelId,
  );
  return { users: u!.n, dirtyUsers: u!.d, groups: g!.n, dirtyGroups: g!.d };
}

/** The list's counts of every channel equal count(*); returns the first channel's. */
async function expectExact() {
  const list = await listChannels();
  for (const c of list) {
    expect({ users: c.users, dirtyUsers: c.dirtyUsers, groups: c.groups, dirtyGroups: c.dirtyGroups }).toEqual(await exact(c.id));
  }
  return list.find((c) => c.id === w.channelId)!;
}

beforeAll(async () => {
  w = await startWorld();
  for (const uid of ["ann", "ben", "cat", "dan", "eve"]) dns[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Counter", mail: `${uid}@example.com` });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dns.ann!, dns.ben!, dns.cat!, dns.dan!]);
  await w.slapd.addGroup("Counted", [dns.ann!, dns.ben!]);
});
afterAll(async () => {
  await w?.stop();
});

describe("the channel list's counts", () => {
  it("a new channel counts nothing; a first load and its push count every record, none dirty", async () => {
    expect(await expectExact()).toMatchObject({ users: 0, dirtyUsers: 0, groups: 0, dirtyGroups: 0 });
    expect((await w.cycle()).status).toBe("SUCCESS");
    expect(await expectExact()).toMatchObject({ users: 4, dirtyUsers: 0, groups: 1, dirtyGroups: 0 });
    // the cycle's end folded its count rows into one per channel
    const db = await getDb();
    const [{ n }] = (await db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM channel_record_count WHERE channel_id = $1`, w.channelId)) as [{ n: number }];
    expect(n).toBe(1);
  });

  it("updates that make records dirty, and pushes that clean them", async () => {
    const db = await getDb();
    await db.$executeRawUnsafe(`UPDATE user_record SET dirty = true WHERE channel_id = $1 AND provider_name IN ('ann', 'ben')`, w.channelId);
    await db.$executeRawUnsafe(`UPDATE group_record SET dirty = true WHERE channel_id = $1`, w.channelId);
    expect(await expectExact()).toMatchObject({ users: 4, dirtyUsers: 2, groups: 1, dirtyGroups: 1 });
    // an update that changes nothing counted changes nothing
    await db.$executeRawUnsafe(`UPDATE user_record SET attempts = attempts + 1 WHERE channel_id = $1`, w.channelId);
    expect(await expectExact()).toMatchObject({ dirtyUsers: 2 });
    // a directory change read and pushed: dirty, then clean again
    await w.slapd.modify(dns.dan!, { sn: "Changed" });
    await w.cycle();
    expect(await expectExact()).toMatchObject({ users: 4 });
  });

  it("a disabled user, one out of scope, and a push that fails (records stay dirty)", async () => {
    await w.slapd.modify(dns.cat!, { employeeType: "disabled" });
    await w.slapd.removeMembers(`cn=app-users,${w.slapd.groupsDn}`, [dns.dan!]);
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dns.eve!]);
    await w.scim.stop();
    const r = await w.cycle();
    expect(r.status).not.toBe("SUCCESS");
    const c = await expectExact();
    expect(c.users).toBe(5);
    expect(c.dirtyUsers).toBeGreaterThanOrEqual(2);
  });

  it("clearing dirty records, deleting them, resets and delete-all", async () => {
    await clearDirtyRecords({ channelId: w.channelId, kind: "users", ...actor });
    expect(await expectExact()).toMatchObject({ dirtyUsers: 0 });
    const db = await getDb();
    await db.$executeRawUnsafe(`UPDATE user_record SET dirty = true WHERE channel_id = $1 AND provider_name = 'eve'`, w.channelId);
    await deleteDirtyRecords({ channelId: w.channelId, kind: "users", ...actor });
    expect(await expectExact()).toMatchObject({ users: 4, dirtyUsers: 0 });
    await resetAll({ channelId: w.channelId, ...actor });
    await expectExact();
    await deleteAll({ channelId: w.channelId, keepGroups: true, ...actor });
    expect(await expectExact()).toMatchObject({ users: 0, dirtyUsers: 0, groups: 1 });
  });

  it("provision on demand, and a second channel's records and its delete", async () => {
    // a target that answers again, and a user provisioned on demand
    const scim2 = await (await import("../harness/scim-better-auth.ts")).startBetterAuthScim();
    await w.reconfigure((c) => {
      c.target = { ...c.target, url: scim2.baseUrl, auth: { type: "bearer", token: scim2.token } };
    });
    try {
      const r = await provisionOnDemand({ channelId: w.channelId, user: { dn: dns.ann! }, ...actor });
      expect(r).toBeDefined();
      expect(await expectExact()).toMatchObject({ users: 1 });

      const cfg = structuredClone(w.channelConfig);
      cfg.name = "second channel";
      cfg.connectionId = "test-sp-2";
      cfg.target = { ...cfg.target, url: scim2.baseUrl, auth: { type: "bearer", token: scim2.token } };
      const { id } = await applyChannelConfig({ config: cfg, actor: "test", via: "test" });
      await runCycle({ channelId: id, trigger: "test" });
      await expectExact();
      expect((await listChannels()).find((c) => c.id === id)!.users).toBeGreaterThan(0);
      await deleteChannel({ channelId: id, confirm: "second channel", ...actor });
      const db = await getDb();
      const [{ n }] = (await db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM channel_record_count WHERE channel_id = $1`, id)) as [{ n: number }];
      expect(n).toBe(0);
      await expectExact();
    } finally {
      await scim2.stop();
    }
  });
});
