// What the shared rate governor knows about target hosts, as the console, the metrics and
// a pausing sender read it: the configured limits, the rate in force after 429s (the
// AIMD factor), how long the host is still paused, and the 429s of the last five minutes.
import type { TSql } from "../db/index.ts";
import { factorNow } from "./reserve-slots.ts";

export type TGovernorState = {
  host: string;
  requestsPerSecond: number | null;
  writesPerMinute: number | null;
  /** 0.1 to 1: the share of the configured rate in force (halved by a 429, climbing back) */
  factor: number;
  /** ms until senders may go again; 0 when not paused */
  pausedForMs: number;
  pausedUntil: Date | null;
  throttledRecent: number;
  throttledTotal: number;
  lastThrottledAt: Date | null;
  lastRetryAfterMs: number | null;
};

type TRow = {
  host: string;
  requests_per_second: number | null;
  writes_per_minute: number | null;
  factor: number;
  paused_ms: number;
  paused_until: Date | null;
  throttled_recent: number;
  throttled_total: bigint;
  last_throttled_at: Date | null;
  last_retry_after_ms: number | null;
};

/** The governor's rows for these hosts (all hosts when none are given). */
export async function readGovernorState(db: TSql, hosts?: string[]): Promise<TGovernorState[]> {
  const rows = await db.$queryRawUnsafe<TRow[]>(
    `SELECT host, requests_per_second, writes_per_minute, ${factorNow()} AS factor,
       GREATEST(0, EXTRACT(EPOCH FROM paused_until - now()) * 1000) AS paused_ms, paused_until,
       CASE WHEN throttled_window_start > now() - interval '5 minutes' THEN throttled_in_window ELSE 0 END AS throttled_recent,
       throttled_total, last_throttled_at, last_retry_after_ms
     FROM target_governor ${hosts ? "WHERE host = ANY($1::text[])" : ""} ORDER BY host`,
    ...(hosts ? [hosts] : []),
  );
  return rows.map((r) => ({
    host: r.host,
    requestsPerSecond: r.requests_per_second,
    writesPerMinute: r.writes_per_minute,
    factor: Number(r.factor),
    pausedForMs: Math.round(Number(r.paused_ms ?? 0)),
    pausedUntil: r.paused_until,
    throttledRecent: Number(r.throttled_recent),
    throttledTotal: Number(r.throttled_total),
    lastThrottledAt: r.last_throttled_at,
    lastRetryAfterMs: r.last_retry_after_ms,
  }));
}
