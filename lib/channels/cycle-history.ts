// A channel's cycles over time, for the overview's charts: per time bucket, how many
// cycles ran and how they ended, how long they took, what they pushed and how many
// records were refused, and the backlog (dirty and failing records) the last one left.
// Aggregated in PostgreSQL (date_bin over the (channel_id, started_at) index): a week of
// one-minute cycles is 10,000 rows, answered as at most 84 buckets.
import { z } from "zod";
import { getDb } from "../db/index.ts";

export const HISTORY_RANGES = { "6h": { hours: 6, bucketMin: 5 }, "24h": { hours: 24, bucketMin: 20 }, "7d": { hours: 168, bucketMin: 120 } } as const;
export type THistoryRange = keyof typeof HISTORY_RANGES;
export const ZHistoryQuery = z.object({ range: z.enum(Object.keys(HISTORY_RANGES) as [THistoryRange, ...THistoryRange[]]).default("24h") });

export type TCycleBucket = {
  at: Date;
  cycles: number;
  failed: number;
  partial: number;
  /** longest and mean cycle, seconds */
  maxSec: number;
  avgSec: number;
  pushed: number;
  refused: number;
  /** dirty and failing records left by the bucket's last cycle (null before Ferry recorded them) */
  dirty: number | null;
  failing: number | null;
};

export async function cycleHistory(options: { channelId: number; range: THistoryRange; now?: Date }): Promise<{ range: THistoryRange; bucketMinutes: number; from: Date; to: Date; buckets: TCycleBucket[] }> {
  const db = await getDb();
  const r = HISTORY_RANGES[options.range];
  const to = options.now ?? new Date();
  const from = new Date(to.getTime() - r.hours * 3600_000);
  const rows = await db.$queryRawUnsafe<
    Array<{ at: Date; cycles: bigint; failed: bigint; partial: bigint; max_sec: number | null; avg_sec: number | null; pushed: bigint | null; refused: bigint | null; dirty: number | null; failing: number | null }>
  >(
    `WITH c AS (
       SELECT date_bin(make_interval(mins => $4), started_at, $2::timestamp) AS at, started_at, status::text AS status,
              EXTRACT(EPOCH FROM (finished_at - started_at)) AS sec, stats
         FROM cycle WHERE channel_id = $1 AND started_at >= $2 AND started_at < $3 AND status <> 'RUNNING')
     SELECT at, count(*) AS cycles,
            count(*) FILTER (WHERE status IN ('FAILED', 'ABORTED')) AS failed,
            count(*) FILTER (WHERE status = 'PARTIAL') AS partial,
            max(sec)::float8 AS max_sec, avg(sec)::float8 AS avg_sec,
            sum((SELECT coalesce(sum(value::bigint), 0) FROM jsonb_each_text(coalesce(stats->'pushed', '{}'::jsonb))))::bigint AS pushed,
            sum(coalesce((stats->>'failed')::bigint, 0))::bigint AS refused,
            (array_agg((stats->'backlog'->>'dirty')::int ORDER BY started_at DESC))[1] AS dirty,
            (array_agg((stats->'backlog'->>'failing')::int ORDER BY started_at DESC))[1] AS failing
       FROM c GROUP BY at ORDER BY at`,
    options.channelId,
    from,
    to,
    r.bucketMin,
  );
  return {
    range: options.range,
    bucketMinutes: r.bucketMin,
    from,
    to,
    buckets: rows.map((x) => ({
      at: x.at,
      cycles: Number(x.cycles),
      failed: Number(x.failed),
      partial: Number(x.partial),
      maxSec: Math.round((x.max_sec ?? 0) * 100) / 100,
      avgSec: Math.round((x.avg_sec ?? 0) * 100) / 100,
      pushed: Number(x.pushed ?? 0),
      refused: Number(x.refused ?? 0),
      dirty: x.dirty,
      failing: x.failing,
    })),
  };
}
