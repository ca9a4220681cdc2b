// One round trip that reserves a chunk of sending slots for one process at a target host:
// GCRA (the generic cell rate algorithm) on the host's row in target_governor. The row
// holds the theoretical arrival time (tat) of the next request; a chunk of k slots starts
// at the latest of tat, "now minus the burst" and the end of a 429 pause, and moves tat on
// by k intervals. The caller sleeps until its slots come: nobody polls, a full bucket is
// a wait, never a refusal, and a process queued behind another gets the slots after it.
// Requests and writes are two such clocks in the same row. Times are the database's
// (now()), so nodes whose clocks disagree still share one schedule.
//
// One statement, no explicit transaction: INSERT ... ON CONFLICT DO UPDATE creates the
// host's row on first use, otherwise locks it and computes from its latest version (a
// process waiting for the lock sees what the one before it wrote), and returns where the
// chunk starts, relative to the database's now.
import type { TSql } from "../db/index.ts";

export type TReserve = {
  host: string;
  /** request slots wanted, and seconds per request at the configured rate (0: no request limit) */
  requests: number;
  requestInterval: number;
  /** write slots wanted, and seconds per write (0: no write limit) */
  writes: number;
  writeInterval: number;
  /** slots that may go at once after an idle spell */
  burst: number;
  /** the configured limits, kept on the row for the console */
  requestsPerSecond: number | null;
  writesPerMinute: number | null;
};

export type TReserved = {
  /** the database's now (ms since the epoch) the chunk was reserved at */
  dbNowMs: number;
  /** ms from the database's now to the first request slot, and between two */
  requestStartMs: number;
  requestSpacingMs: number;
  writeStartMs: number;
  writeSpacingMs: number;
};

/** The AIMD factor as it stands now: it climbs back by RECOVERY_PER_SEC from its last decrease. */
export const RECOVERY_PER_SEC = 0.1;
/**
 * The share of the configured rate the schedule plans for. At exactly the target's rate
 * its bucket would sit empty and a few milliseconds of network jitter would meet a 429
 * (one costs every sender the Retry-After pause); 3% below, the bucket refills.
 */
export const HEADROOM = 0.97;
export const factorNow = (table = "") => `LEAST(1, ${table}factor + ${RECOVERY_PER_SEC} * EXTRACT(EPOCH FROM now() - ${table}decreased_at))`;

const secs = (x: string) => `make_interval(secs => ${x})`;
// seconds per request and per write at the current factor
const REQ_T = `($3::float8 / ${factorNow("g.")})`;
const WRITE_T = `($5::float8 / ${factorNow("g.")})`;
const start = (clock: string, t: string) => `GREATEST(${clock}, now() - ${secs(`$6::float8 * ${t}`)}, COALESCE(g.paused_until, now()))`;

// the first chunk at a host creates its row (starting now); later ones update it
const SQL = `
INSERT INTO target_governor AS g (host, tat, write_tat, requests_per_second, writes_per_minute)
VALUES ($1, now() + ${secs("$2::int * $3::float8")}, now() + ${secs("$4::int * $5::float8")}, $7, $8)
ON CONFLICT (host) DO UPDATE SET
  tat = ${start("g.tat", REQ_T)} + ${secs(`$2::int * ${REQ_T}`)},
  write_tat = CASE WHEN $4::int > 0 THEN ${start("g.write_tat", WRITE_T)} + ${secs(`$4::int * ${WRITE_T}`)} ELSE g.write_tat END,
  requests_per_second = $7, writes_per_minute = $8, updated_at = now()
RETURNING
  EXTRACT(EPOCH FROM now()) * 1000 AS db_now_ms,
  EXTRACT(EPOCH FROM g.tat - now()) * 1000 - $2::int * ${REQ_T} * 1000 AS request_start_ms,
  ${REQ_T} * 1000 AS request_spacing_ms,
  EXTRACT(EPOCH FROM g.write_tat - now()) * 1000 - $4::int * ${WRITE_T} * 1000 AS write_start_ms,
  ${WRITE_T} * 1000 AS write_spacing_ms`;

type TRow = { db_now_ms: number; request_start_ms: number; request_spacing_ms: number; write_start_ms: number; write_spacing_ms: number };

/** Reserves the slots, in one statement; the host's row is created by its first chunk. */
export async function reserveSlots(db: TSql, r: TReserve): Promise<TReserved> {
  const [row] = await db.$queryRawUnsafe<TRow[]>(SQL, r.host, r.requests, r.requestInterval, r.writes, r.writeInterval, r.burst, r.requestsPerSecond, r.writesPerMinute);
  if (!row) throw new Error(`the rate governor returned nothing for ${r.host}`);
  return {
    dbNowMs: Number(row.db_now_ms),
    requestStartMs: Number(row.request_start_ms),
    requestSpacingMs: Number(row.request_spacing_ms),
    writeStartMs: Number(row.write_start_ms),
    writeSpacingMs: Number(row.write_spacing_ms),
  };
}
