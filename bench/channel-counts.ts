// `npx tsx bench/channel-counts.ts [--users 1000000]`: the channel list at a million user
// records (issue 17). A fresh test database (devkit/test-database.ts) gets one channel and
// N user records made by generate_series (a tenth dirty), like a channel after its first
// load; then:
//   - listChannels() (lib/channels/list-channels.ts), 50 calls after 3 warm-ups: p50/p95;
//     and, as the baseline, the count(*) query the list ran before migration 0041, alone;
//   - the write cost of the count triggers: 100 batches of 500 rows through the read's
//     real writer (writeUsersRead), new rows and updates of stored ones, with the triggers
//     on and off, interleaved so that both see the same table and cache.
// `--before DIR`: also times listChannels() of another checkout (e.g. main before
// migration 0041) on the same database, for a before/after on one store.
// Sends nothing anywhere; drops its database at the end.
import { randomBytes } from "node:crypto";
import { getDb } from "../lib/db/index.ts";
import { listChannels } from "../lib/channels/list-channels.ts";
import { writeUsersRead, type TUserUpsert } from "../lib/records/user-records.ts";
import { useTestDatabase } from "../devkit/test-database.ts";

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const USERS = arg("--users", 1_000_000);
const CALLS = arg("--calls", 50);
const BATCHES = arg("--batches", 100);
const BATCH = 500;

const OLD_COUNTS = `SELECT c.id AS channel_id, k.kind, k.total, k.dirty FROM channel c CROSS JOIN LATERAL (
   SELECT 'users' AS kind, (SELECT count(*) FROM user_record WHERE channel_id = c.id) AS total,
          (SELECT count(*) FROM user_record WHERE channel_id = c.id AND dirty) AS dirty
   UNION ALL
   SELECT 'groups', (SELECT count(*) FROM group_record WHERE channel_id = c.id),
          (SELECT count(*) FROM group_record WHERE channel_id = c.id AND dirty)) k`;

function stats(ms: number[]) {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.ceil(p * s.length) - 1)]!;
  return { p50: +at(0.5).toFixed(1), p95: +at(0.95).toFixed(1), max: +s[s.length - 1]!.toFixed(1) };
}

async function time(n: number, fn: () => Promise<unknown>) {
  for (let i = 0; i < 3; i++) await fn();
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await fn();
    out.push(performance.now() - t);
  }
  return stats(out);
}

const TRIGGERS = ["user_record_count_insert", "user_record_count_update", "user_record_count_delete"];

async function main() {
  const tdb = await useTestDatabase();
  const db = await getDb();
  try {
    const [ch] = await db.$queryRawUnsafe<Array<{ id: number }>>(
      `INSERT INTO channel (name, connection_id, source, target, mapping, options, updated_at)
       VALUES ('bench', 'bench-sp', '{}'::jsonb, $1::jsonb, '{}'::jsonb, '{}'::jsonb, now()) RETURNING id`,
      JSON.stringify({ url: "http://127.0.0.1:9/scim/v2", auth: { type: "bearer", token: "x" } }),
    );
    const channelId = ch!.id;
    let t = performance.now();
    await db.$executeRawUnsafe(
      `INSERT INTO user_record (channel_id, guid, dn, provider_name, scim_id, values_hash, source_state, target_state, dirty, pending_action, updated_at)
       SELECT $1, 'g' || i, 'uid=u' || i || ',ou=people,dc=bench', 'u' || i, 's' || i, 'h', 'IN_SCOPE', 'ACTIVE', i % 10 = 0, 'NONE', now()
       FROM generate_series(1, $2) i`,
      channelId,
      USERS,
    );
    console.log(`seeded ${USERS} user records in ${Math.round(performance.now() - t)} ms`);
    t = performance.now();
    await db.$executeRawUnsafe(`VACUUM ANALYZE user_record`);
    console.log(`vacuum analyze: ${Math.round(performance.now() - t)} ms`);
    const list = await listChannels();
    console.log(`listChannels says: users ${list[0]!.users}, dirty ${list[0]!.dirtyUsers}`);

    const listed = await time(CALLS, () => listChannels());
    const oldCounts = await time(CALLS, () => db.$queryRawUnsafe(OLD_COUNTS));
    const bi = process.argv.indexOf("--before");
    if (bi > 0) {
      const before = (await import(`${process.argv[bi + 1]}/lib/channels/list-channels.ts`)) as { listChannels: typeof listChannels };
      const b = await time(CALLS, () => before.listChannels());
      console.log(`listChannels() of ${process.argv[bi + 1]}, ${CALLS} calls: ${JSON.stringify(b)} ms`);
    }
    console.log(`listChannels() with kept counts, ${CALLS} calls: ${JSON.stringify(listed)} ms`);
    console.log(`the count(*) query it replaced, alone: ${JSON.stringify(oldCounts)} ms`);

    // write cost: writeUsersRead batches, triggers on and off, interleaved
    const row = (guid: string, dirty: boolean): TUserUpsert => ({
      guid,
      dn: `uid=${guid},ou=people,dc=bench`,
      providerName: guid,
      ldapTimestamp: "20260101000000Z",
      sourceState: "IN_SCOPE",
      dirty,
      pendingAction: dirty ? "UPDATE" : "NONE",
      pendingValues: dirty ? { userName: guid, "name.familyName": "Bench" } : null,
      pendingHash: dirty ? "p" : null,
      ldapAttributes: { uid: [guid], sn: ["Bench"] },
      lastError: null,
    });
    const setTriggers = (on: boolean) => Promise.all(TRIGGERS.map((n) => db.$executeRawUnsafe(`ALTER TABLE user_record ${on ? "ENABLE" : "DISABLE"} TRIGGER ${n}`)));
    const cost = { insert: { on: [] as number[], off: [] as number[] }, update: { on: [] as number[], off: [] as number[] } };
    const tag = randomBytes(3).toString("hex");
    for (let b = 0; b < BATCHES; b++) {
      for (const on of b % 2 ? [true, false] : [false, true]) {
        await setTriggers(on);
        const fresh = Array.from({ length: BATCH }, (_, i) => row(`n-${tag}-${on ? 1 : 0}-${b}-${i}`, true));
        let t0 = performance.now();
        await db.$transaction((tx) => writeUsersRead(tx, channelId, fresh));
        cost.insert[on ? "on" : "off"].push(performance.now() - t0);
        // stored rows, made dirty (with new values): every row changes its dirty flag
        const start = 1 + (b * 2 + (on ? 1 : 0)) * BATCH * 10;
        const stored = Array.from({ length: BATCH }, (_, i) => row(`g${start + i * 10 + 1}`, true));
        t0 = performance.now();
        await db.$transaction((tx) => writeUsersRead(tx, channelId, stored));
        cost.update[on ? "on" : "off"].push(performance.now() - t0);
      }
    }
    await setTriggers(true);
    const sum = (a: number[]) => a.reduce((x, y) => x + y, 0);
    for (const k of ["insert", "update"] as const) {
      const on = stats(cost[k].on);
      const off = stats(cost[k].off);
      const extra = ((sum(cost[k].on) - sum(cost[k].off)) / sum(cost[k].off)) * 100;
      console.log(
        `${BATCHES} batches of ${BATCH} (${k === "insert" ? "new rows" : "stored rows made dirty"}) through writeUsersRead: ` +
          `counters on p50 ${on.p50} / p95 ${on.p95} ms, off p50 ${off.p50} / p95 ${off.p95} ms; total ${Math.round(sum(cost[k].on))} vs ${Math.round(sum(cost[k].off))} ms (${extra >= 0 ? "+" : ""}${extra.toFixed(1)} %)`,
      );
    }
    // the triggers' own time, as PostgreSQL reports it (EXPLAIN ANALYZE lists each trigger's time): 20 statements of 500 rows each way
    const triggerMs = async (sql: string) => {
      const plan = await db.$transaction(async (tx) => {
        const r = await tx.$queryRawUnsafe<Array<{ "QUERY PLAN": string }>>(`EXPLAIN (ANALYZE, FORMAT TEXT) ${sql}`, channelId);
        throw Object.assign(new Error("rollback"), { plan: r.map((x) => x["QUERY PLAN"]).join("\n") });
      }).catch((e: { plan?: string }) => e.plan ?? "");
      const trig = [...plan.matchAll(/Trigger \S*_count_\w+: time=([\d.]+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      const total = Number(/Execution Time: ([\d.]+)/.exec(plan)?.[1] ?? NaN);
      return { trig, total };
    };
    for (const [what, sql] of [
      ["500 rows made dirty (UPDATE)", `UPDATE user_record SET dirty = NOT dirty, updated_at = now() WHERE channel_id = $1 AND id BETWEEN ${Math.floor(USERS * 0.6)} AND ${Math.floor(USERS * 0.6) + 499}`],
      ["500 new rows (INSERT)", `INSERT INTO user_record (channel_id, guid, dn, dirty, updated_at) SELECT $1, 'x' || i, 'uid=x' || i, true, now() FROM generate_series(1, 500) i`],
      ["500 rows (DELETE)", `DELETE FROM user_record WHERE channel_id = $1 AND id BETWEEN ${Math.floor(USERS * 0.7)} AND ${Math.floor(USERS * 0.7) + 499}`],
    ] as const) {
      const runs = [];
      for (let i = 0; i < 20; i++) runs.push(await triggerMs(sql));
      const trig = stats(runs.map((r) => r.trig));
      const total = stats(runs.map((r) => r.total));
      console.log(`${what}, 20 statements (rolled back): count trigger p50 ${trig.p50} ms of a statement's p50 ${total.p50} ms`);
    }
    // the counts after all that (the triggers were off for half of it: the off batches are not counted)
    const [rows] = await db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM channel_record_count WHERE channel_id = $1`, channelId);
    console.log(`count rows for the channel before compaction: ${rows!.n}`);
  } finally {
    await tdb.cleanup();
  }
}

await main();
