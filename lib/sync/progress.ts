// A running cycle's progress, for people watching a long first load or a mass change:
// which phase runs, how many users were read (of about how many), how many changes were
// pushed, how many are left, the rate and the time left. Written to the cycle's row
// every two seconds (one small UPDATE, plus a count of what is left over the dirty
// index while a push runs); the console, the API and provmgr read it from there.
import type { TSql } from "../db/index.ts";
import type { TCycleStats } from "./context.ts";
import { DUE_FOR_PUSH } from "../records/states.ts";
import type { TCycleProgress } from "../health/cycle-progress.ts";

export type { TCycleProgress };

export const PROGRESS_EVERY_MS = 2_000;

/**
 * `readAbout` is asked for at the first report, not when the cycle starts: a cycle that
 * ends within the first period (an idle one) never counts the users in scope (a count
 * over the channel's records: 100-200 ms at a million).
 */
export function startProgress(
  db: TSql,
  options: { cycleId: bigint; channelId: number; stats: TCycleStats; readAbout: () => Promise<number | null>; everyMs?: number },
): { stop(): Promise<void> } {
  const { stats } = options;
  let readAbout: number | null | undefined;
  let last = { at: performance.now(), done: 0 };
  let perSec: number | null = null;
  let writing: Promise<void> = Promise.resolve();
  const tick = async () => {
    // answered so far; the store counts them as still due until their page's outcomes are written
    const done = stats.sent;
    const recorded = Object.values(stats.pushed).reduce((a, b) => a + b, 0) + stats.failed;
    const now = performance.now();
    const rate = ((done - last.done) * 1000) / Math.max(1, now - last.at);
    // a smoothed rate: one slow batch does not make the estimate jump
    if (done > last.done || perSec !== null) perSec = perSec === null ? rate : perSec * 0.6 + rate * 0.4;
    last = { at: now, done };
    const pushing = stats.running.some((p) => p.endsWith(".push"));
    const left = pushing ? Math.max(0, (await dueRecords(db, options.channelId)) - (done - recorded)) : null;
    if (readAbout === undefined) readAbout = await options.readAbout();
    const progress: TCycleProgress = {
      phases: [...stats.running],
      read: stats.usersRead,
      readAbout,
      pushed: done,
      failed: stats.failed,
      left,
      perSec: perSec === null ? null : Math.round(perSec * 10) / 10,
      etaSec: left !== null && perSec && perSec > 0.05 ? Math.round(left / perSec) : null,
      at: new Date().toISOString(),
    };
    await db.$executeRawUnsafe(`UPDATE cycle SET progress = $2::jsonb WHERE id = $1 AND status = 'RUNNING'`, options.cycleId, JSON.stringify(progress));
  };
  const timer = setInterval(() => {
    // a report that could not be written is skipped: progress never fails a cycle
    writing = writing.then(tick).catch(() => undefined);
  }, options.everyMs ?? PROGRESS_EVERY_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await writing;
    },
  };
}

async function dueRecords(db: TSql, channelId: number): Promise<number> {
  const [r] = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
    `SELECT (SELECT count(*) FROM user_record WHERE channel_id = $1 AND ${DUE_FOR_PUSH})
          + (SELECT count(*) FROM group_record WHERE channel_id = $1 AND ${DUE_FOR_PUSH}) AS n`,
    channelId,
  );
  return Number(r?.n ?? 0);
}

/** About how many users the read will see: those in scope in the store (none on a first load). */
export async function usersInScope(db: TSql, channelId: number): Promise<number | null> {
  const [r] = await db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM user_record WHERE channel_id = $1 AND source_state = 'IN_SCOPE'`, channelId);
  const n = Number(r?.n ?? 0);
  return n > 0 ? n : null;
}
