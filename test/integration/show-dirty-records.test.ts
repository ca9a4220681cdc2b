// provmgr --show-dirty-records at scale: 20,000 dirty records, listed by the real CLI
// process page by page (keyset on id), in text and as one streamed JSON document. Each
// page must read only its own rows: records usually become dirty in bulk (a failing
// target, a reset), after the planner's statistics were taken, and a page that re-reads
// every dirty row makes the listing quadratic (13 s for 17,000 records in a real run).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { getDb } from "../../lib/db/index.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";
import { parsed, provmgr } from "./provmgr.helpers.ts";

const DIRTY = 20_000;
const CLEAN = 20_000;
let db: Awaited<ReturnType<typeof useTestDatabase>>;
let channelId: number;

beforeAll(async () => {
  db = await useTestDatabase();
  ({ id: channelId } = await applyChannelConfig({
    actor: "t",
    via: "test",
    config: {
      name: "many dirty",
      connectionId: "many",
      source: { url: "ldap://127.0.0.1:1", bindDn: "cn=x,dc=x", bindPassword: "x", baseDn: "dc=x", filter: "(uid=*)" },
      target: { url: "http://127.0.0.1:1/scim", auth: { type: "bearer", token: "x" } },
    },
  }));
  const prisma = await getDb();
  // no autovacuum: the planner's statistics stay as they were before the records became dirty
  await prisma.$executeRawUnsafe(`ALTER TABLE user_record SET (autovacuum_enabled = false)`);
  await prisma.$executeRawUnsafe(
    `INSERT INTO user_record (channel_id, guid, dn, provider_name, ldap_attributes)
     SELECT $1, md5(i::text), 'uid=user' || lpad(i::text, 6, '0') || ',ou=people,dc=example,dc=com', 'user' || lpad(i::text, 6, '0'),
       jsonb_build_object('description', repeat('x', 300))
     FROM generate_series(1, $2::int) AS i`,
    channelId,
    DIRTY + CLEAN,
  );
  await prisma.$executeRawUnsafe(`VACUUM ANALYZE user_record`);
  // the rows-read counts below are the command's own: autovacuum's scan of the table (set
  // off by the mass update just below, 40,000 rows) landed in the window once, under load
  await prisma.$executeRawUnsafe(`ALTER TABLE user_record SET (autovacuum_enabled = false)`);
  // then a target refuses everything: every other record becomes dirty with an error
  await prisma.$executeRawUnsafe(
    `UPDATE user_record SET dirty = true, pending_action = 'CREATE', attempts = 2, last_attempt_at = now(),
       last_error = 'fatal: GET /ServiceProviderConfig: 401 token expired (the push stopped before this record was sent)'
     WHERE channel_id = $1 AND id % 2 = 0`,
    channelId,
  );
});
afterAll(async () => {
  await db?.cleanup();
});

/** Rows of user_record read by scans, as PostgreSQL counts them (flushed when a session ends). */
async function rowsRead(): Promise<number> {
  const prisma = await getDb();
  const read = async () => {
    await prisma.$executeRawUnsafe(`SELECT pg_stat_clear_snapshot()`);
    const r = await prisma.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0) AS n FROM pg_stat_user_tables WHERE relname = 'user_record'`,
    );
    return Number(r[0]?.n ?? 0);
  };
  // a session that just ended may still be flushing its counts
  let last = await read();
  for (let i = 0; i < 20; i++) {
    await new Promise((r) => setTimeout(r, 150));
    const now = await read();
    if (now === last) return now;
    last = now;
  }
  return last;
}

describe("provmgr --show-dirty-records with 20,000 dirty records", () => {
  it("text: every dirty record once, in id order, each page reading only its own rows", async () => {
    const before = await rowsRead();
    const t0 = Date.now();
    const r = await provmgr(["-c", String(channelId), "--show-dirty-user-records"]);
    const ms = Date.now() - t0;
    expect(r.code, r.stderr).toBe(0);
    const read = (await rowsRead()) - before;
    console.log(`--show-dirty-user-records, ${DIRTY} dirty of ${DIRTY + CLEAN}: ${ms} ms, ${read} rows read`);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^TYPE\s+ACTION\s+ATTEMPTS\s+PROVIDER NAME/);
    expect(lines.at(-1)).toBe(`Channel ${channelId}: ${DIRTY} dirty user records.`);
    const names = lines.slice(1, -1).map((l) => l.split(/\s+/)[3]);
    expect(names).toHaveLength(DIRTY);
    expect(names[0]).toBe("user000002");
    expect(names.at(-1)).toBe(`user${String(DIRTY + CLEAN).padStart(6, "0")}`);
    expect(new Set(names).size).toBe(DIRTY);
    expect([...names].sort()).toEqual(names);
    // a page that re-read every dirty row would read DIRTY rows per page: 40 pages of 500 =
    // 800,000. The command reads 20,000 (one per row); the bound leaves room for one scan of
    // the whole table (40,000) that PostgreSQL may count late: a session's statistics are
    // flushed up to 10 s after its last statement (the setup's UPDATE landed in the window twice)
    expect(read).toBeLessThan(DIRTY * 5);
  });

  it("--json: one document whose records array is streamed, the same records and counts", async () => {
    const before = await rowsRead();
    const r = await provmgr(["-c", String(channelId), "--show-dirty-user-records", "--json"]);
    expect(r.code, r.stderr).toBe(0);
    const read = (await rowsRead()) - before;
    const doc = parsed<{ command: string; records: Array<{ providerName: string; attempts: number; lastError: string }>; counts: { users: number } }>(r);
    expect(doc.command).toBe("show-dirty-user-records");
    expect(doc.counts).toEqual({ users: DIRTY });
    expect(doc.records).toHaveLength(DIRTY);
    expect(doc.records[0]).toMatchObject({ providerName: "user000002", attempts: 2, lastError: expect.stringMatching(/^fatal: GET \/ServiceProviderConfig: 401/) });
    expect(read).toBeLessThan(DIRTY * 3);
  });
});
