// A first load (nothing stored for the channel yet) does not wait for the whole directory
// read before it sends anything: the pages already stored are pushed while the read goes
// on. Shown deterministically: the read is held in the middle (a test transaction holds
// the unique key of an entry in the second batch), and the target receives the first
// batch's users meanwhile. Real slapd, real SCIMMY, real PostgreSQL.
//
// Users are looked up one by one (lookup-first), not matched in the target's inventory:
// the inventory is listed beside the read and stored under the lease, so a read that
// reached the held batch first (a busy machine) would hold the inventory's write, and the
// push that waits for the inventory, until the hold ended — the test would then wait for
// its own hold. Taking the inventory before a first load is covered by
// target-inventory.test.ts.
import { Client } from "ldapts";
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { resetAttributeSync } from "../../lib/channels/reset-attribute-sync.ts";
import { getDb } from "../../lib/db/index.ts";
import { directoryNames, generateDirectoryLdif } from "../../devkit/slapd.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { waitFor } from "../../devkit/wait-for.ts";

const USERS = 600; // two read batches of 500
let w: TWorld;
const names = directoryNames({ users: USERS, groups: 0 });

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    slapd: { ldif: generateDirectoryLdif({ users: USERS, groups: 0, membersPerGroup: 0 }) },
    configure: (cfg) => {
      cfg.source.groupDn = names.provisionedGroupDn;
      cfg.options.provisionGroups = false;
      cfg.target.userMatching = "lookup-first";
    },
  });
});
afterAll(async () => {
  await w?.stop();
});

/** The GUID the read returns last (in its second batch), held in an open transaction so the read waits on it. */
async function holdSecondBatch(): Promise<pg.Client> {
  const ldap = new Client({ url: w.slapd.url });
  await ldap.bind(w.slapd.adminDn, w.slapd.adminPassword);
  const { searchEntries } = await ldap.search(w.slapd.peopleDn, {
    filter: `(&(objectClass=inetOrgPerson)(memberOf=${names.provisionedGroupDn}))`,
    attributes: ["entryUUID"],
    paged: { pageSize: 500 },
  });
  await ldap.unbind();
  expect(searchEntries).toHaveLength(USERS);
  const lastGuid = String(searchEntries.at(-1)!.entryUUID).toLowerCase();
  const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await holder.connect();
  await holder.query("BEGIN");
  await holder.query(`INSERT INTO user_record (channel_id, guid, dn, updated_at) VALUES ($1, $2, 'cn=held', now())`, [w.channelId, lastGuid]);
  return holder;
}

it("a first load pushes the pages already stored while the directory read goes on", async () => {
  const holder = await holdSecondBatch();
  let settled = false;
  const cycle = w.cycle().finally(() => (settled = true));
  try {
    // users of the first batch reach the target while the read is still held in its second
    // batch (a few push pages of them: their acknowledgements wait behind the held write)
    await waitFor("users of the first batch at the target", async () => (await w.scim.listUsers()).length >= 200, 60_000, 250);
    expect(settled).toBe(false);
    expect((await w.scim.listUsers()).length).toBeLessThan(USERS);
  } finally {
    await holder.query("ROLLBACK");
    await holder.end();
  }

  const r = await cycle;
  expect(r.status, r.message).toBe("SUCCESS");
  const atTarget = await w.scim.listUsers();
  expect(atTarget).toHaveLength(USERS);
  expect(new Set(atTarget.map((u) => u.userName)).size).toBe(USERS);
  const db = await getDb();
  expect(await db.userRecord.count({ where: { channelId: w.channelId, dirty: false, scimId: { not: null } } })).toBe(USERS);
  // discovery, then a lookup and a create per user
  expect(r.stats.scimRequests).toBe(1 + 2 * USERS);
});

it("an operator reset while a first load is running fences it: the cycle ends, sends nothing more, and the next cycle completes without duplicates", async () => {
  const db = await getDb();
  await db.userRecord.deleteMany({ where: { channelId: w.channelId } });
  await db.channel.update({ where: { id: w.channelId }, data: { attributeSyncTimestamp: null, groupTimestamp: null } });
  for (const u of await w.scim.listUsers()) await w.scim.request("DELETE", `/Users/${u.id}`);
  expect(await w.scim.listUsers()).toHaveLength(0);

  const holder = await holdSecondBatch();
  const cycle = w.cycle();
  let reset: Promise<unknown> = Promise.resolve();
  try {
    await waitFor("users of the first batch at the target", async () => (await w.scim.listUsers()).length >= 200, 60_000, 250);
    // the operator's reset fences the running cycle (it waits for the cycle's open write)
    reset = resetAttributeSync({ channelId: w.channelId, actor: "test", via: "test" });
  } finally {
    await holder.query("ROLLBACK");
    await holder.end();
  }
  await reset;
  const r = await cycle; // settles: no request left waiting forever
  expect(r.status).toBe("FAILED");
  expect(r.message).toMatch(/lost the lease/);
  const sentBeforeFence = (await w.scim.listUsers()).length;
  expect(sentBeforeFence).toBeLessThan(USERS);
  // nothing arrives after the fenced cycle ended
  await new Promise((res) => setTimeout(res, 500));
  expect((await w.scim.listUsers()).length).toBe(sentBeforeFence);

  const again = await w.cycle();
  expect(again.status, again.message).toBe("SUCCESS");
  const atTarget = await w.scim.listUsers();
  expect(atTarget).toHaveLength(USERS);
  expect(new Set(atTarget.map((u) => u.userName)).size).toBe(USERS);
});
