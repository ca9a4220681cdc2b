// Is a cycle running on each channel right now? The latest cycle row per channel, read
// with one index probe per channel (a channel accumulates thousands of cycles).
import { getDb } from "../db/index.ts";
import type { TCycleProgress } from "../health/cycle-progress.ts";

export type TCycleActivity = {
  /** RUNNING for at most STALL_MS: a cycle in progress */
  running: boolean;
  /** RUNNING for longer: its node probably died mid-cycle */
  stalled: boolean;
  latest: { id: string; status: string; startedAt: Date; finishedAt: Date | null } | null;
  /** what the running cycle last reported (every two seconds) */
  progress: TCycleProgress | null;
};

const STALL_MS = 30 * 60_000;

export async function cycleActivity(channelIds?: number[]): Promise<Map<number, TCycleActivity>> {
  const db = await getDb();
  const rows = await db.$queryRawUnsafe<
    Array<{ channel_id: number; id: bigint | null; status: string | null; started_at: Date | null; finished_at: Date | null; progress: TCycleProgress | null }>
  >(
    `SELECT c.id AS channel_id, l.id, l.status::text AS status, l.started_at, l.finished_at, l.progress
       FROM channel c
       LEFT JOIN LATERAL (SELECT id, status, started_at, finished_at, progress FROM cycle WHERE channel_id = c.id ORDER BY started_at DESC LIMIT 1) l ON true
      ${channelIds ? "WHERE c.id = ANY($1::int[])" : ""}`,
    ...(channelIds ? [channelIds] : []),
  );
  const out = new Map<number, TCycleActivity>();
  for (const r of rows) {
    const isRunning = r.status === "RUNNING" && r.started_at !== null;
    const age = r.started_at ? Date.now() - r.started_at.getTime() : 0;
    out.set(r.channel_id, {
      running: isRunning && age <= STALL_MS,
      stalled: isRunning && age > STALL_MS,
      latest: r.id !== null && r.status && r.started_at ? { id: r.id.toString(), status: r.status, startedAt: r.started_at, finishedAt: r.finished_at } : null,
      progress: isRunning ? r.progress : null,
    });
  }
  return out;
}
