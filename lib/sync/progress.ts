// A running cycle's progress, for people watching a long first load or a mass change:
// which phase runs, how many users were read (of about how many), how many changes were
// pushed, how many are left, the rate and the time left. Written to the cycle's row
// every two seconds (one small UPDATE, plus, while a push runs, a count of what is left
// over the dirty index, taken again only as often as its cost allows: see LeftCounter);
// the console, the API and provmgr read it from there.
import type { TSql } from "../db/index.ts";
import type { TCycleStats } from "./context.ts";
import { DUE_FOR_PUSH } from "../records/states.ts";
import type { TCycleProgress } from "../health/cycle-progress.ts";

export type { TCycleProgress };

export const PROGRESS_EVERY_MS = 2_000;

/**
 * How much longer than a count of what is left took must pass before it is taken again.
 * The count scans the channel's due records: during a 100,000-user first load, most of
 * them, written moments before and not yet all-visible, so 100-300 ms each time. Taken
 * every two seconds it kept PostgreSQL busy 5-15% of the load, on the cores the target
 * and the push need; at 30x it stays under about 3%, and a small channel's count (a
 * millisecond) is still taken at every report.
 */
export const COUNT_COST_RATIO = 30;

/**
 * What is left to push, counted in the store now and then and estimated in between: the
 * last count, less what the target answered since, plus the users read since: only a
 * first load reads while it pushes, and each user it reads is a record to create (any
 * other cycle's read has ended before its push starts).
 */
export class LeftCounter {
  private last: { at: number; tookMs: number; left: number; done: number; read: number } | null = null;

  /** `clock`: what the count's duration is measured with (ms). */
  constructor(
    private readonly count: () => Promise<number>,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  /** `done`: answered so far; `recorded`: of those, written to the store; `read`: users read so far. */
  async left(now: number, stats: { done: number; recorded: number; read: number }, everyMs: number): Promise<number> {
    const l = this.last;
    if (l && now - l.at < Math.max(everyMs, l.tookMs * COUNT_COST_RATIO)) {
      return Math.max(0, l.left - (stats.done - l.done) + Math.max(0, stats.read - l.read));
    }
    const t0 = this.clock();
    const due = await this.count();
    const left = Math.max(0, due - (stats.done - stats.recorded));
    this.last = { at: now, tookMs: this.clock() - t0, left, done: stats.done, read: stats.read };
    return left;
  }
}

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
  const everyMs = options.everyMs ?? PROGRESS_EVERY_MS;
  const leftCounter = new LeftCounter(() => dueRecords(db, options.channelId));
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
    const left = pushing
      ? await leftCounter.left(now, { done, recorded, read: stats.usersRead }, everyMs)
      : null;
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
  }, everyMs);
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
