// The push keeps the target busy while the store is slow: the pages after the one whose
// outcomes are being written are already sent (lib/sync/push-users.ts, PAGES_IN_FLIGHT),
// so a slow write (a busy PostgreSQL shared by many channels and nodes) does not leave the
// target idle after one page. Shown deterministically: a test transaction holds the row
// of the first page's first user, so that page's outcomes cannot be written, and the
// target still receives three more pages. Nothing is lost meanwhile: once the hold ends
// every record is acknowledged. Real slapd, real Better Auth SCIM behind a counting proxy,
// real PostgreSQL.
import pg from "pg";
import { afterAll, beforeAll, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { directoryNames, generateDirectoryLdif } from "../../devkit/slapd.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

const USERS = 1000; // five push pages of 200
const PAGE = 200;
let w: TWorld;
let proxy: FaultProxy;
const names = directoryNames({ users: USERS, groups: 0 });

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    slapd: { ldif: generateDirectoryLdif({ users: USERS, groups: 0, membersPerGroup: 0 }) },
    configure: (cfg) => {
      cfg.source.groupDn = names.provisionedGroupDn;
      cfg.options.provisionGroups = false;
    },
  });
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => {
    c.target = { ...c.target, url: proxy.baseUrl };
  });
});
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

const writesSent = () => proxy.log.filter((e) => e.method !== "GET" && e.path.includes("/Users")).length;

it("while one page's outcomes wait for the store, the next pages are sent, and every record is acknowledged once the store answers", async () => {
  const first = await w.cycle();
  expect(first.status, first.message).toBe("SUCCESS");
  const db = await getDb();
  expect(await db.userRecord.count({ where: { channelId: w.channelId, dirty: false, scimId: { not: null } } })).toBe(USERS);

  // every user to be sent again in full (what the target holds is taken as unknown)
  await db.$executeRawUnsafe(`UPDATE user_record SET dirty = true, pending_action = 'UPDATE', pending_values = pushed_values, pending_hash = values_hash, pushed_values = NULL WHERE channel_id = $1`, w.channelId);
  const [firstRow] = await db.$queryRawUnsafe<Array<{ id: bigint }>>(`SELECT id FROM user_record WHERE channel_id = $1 ORDER BY id LIMIT 1`, w.channelId);
  const holder = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await holder.connect();
  await holder.query("BEGIN");
  await holder.query(`SELECT 1 FROM user_record WHERE id = $1 FOR UPDATE`, [firstRow!.id]);
  const before = writesSent();
  let settled = false;
  const cycle = w.cycle().finally(() => (settled = true));
  try {
    // the first page's outcomes wait on the held row; three more pages go out meanwhile
    await waitFor("four pages sent while the first page's write waits", async () => writesSent() - before >= 4 * PAGE, 20_000, 100).catch(async (err) => {
      const q = await holder.query(`SELECT state, wait_event_type, left(query, 200) AS q FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle'`);
      console.log("SENT", writesSent() - before, JSON.stringify(q.rows, null, 1));
      throw err;
    });
    await new Promise((r) => setTimeout(r, 500));
    expect(settled).toBe(false);
    // and no more than that: memory holds at most four pages
    expect(writesSent() - before).toBe(4 * PAGE);
    expect(await db.userRecord.count({ where: { channelId: w.channelId, dirty: true } })).toBe(USERS);
  } finally {
    await holder.query("ROLLBACK");
    await holder.end();
  }
  const r = await cycle;
  expect(r.status, r.message).toBe("SUCCESS");
  expect(writesSent() - before).toBe(USERS);
  expect(await db.userRecord.count({ where: { channelId: w.channelId, dirty: true } })).toBe(0);
});
