// A 429 from a target, written where every sender to its host reads it: the host pauses
// until Retry-After has passed, and its rate factor drops by 30% (at most once a second, so
// that a burst of 429s answering one overload counts once; never below MIN_FACTOR). The
// factor climbs back linearly (reserve-slots.ts factorNow): additive increase,
// multiplicative decrease. The 429s of the last five minutes are counted for the console.
import type { TSql } from "../db/index.ts";
import { factorNow } from "./reserve-slots.ts";

export const MIN_FACTOR = 0.1;
export const DECREASE = 0.7;
const WINDOW = "interval '5 minutes'";

const SQL = `
INSERT INTO target_governor AS g (host, paused_until, factor, decreased_at, throttled_total, throttled_window_start, throttled_in_window, last_throttled_at, last_retry_after_ms)
VALUES ($1, now() + make_interval(secs => $2::float8 / 1000), ${DECREASE}, now(), 1, now(), 1, now(), $2::int)
ON CONFLICT (host) DO UPDATE SET
  paused_until = GREATEST(COALESCE(g.paused_until, now()), now() + make_interval(secs => $2::float8 / 1000)),
  factor = CASE WHEN g.decreased_at < now() - interval '1 second' THEN GREATEST(${MIN_FACTOR}, ${factorNow("g.")} * ${DECREASE}) ELSE g.factor END,
  decreased_at = CASE WHEN g.decreased_at < now() - interval '1 second' THEN now() ELSE g.decreased_at END,
  throttled_total = g.throttled_total + 1,
  throttled_in_window = CASE WHEN g.throttled_window_start > now() - ${WINDOW} THEN g.throttled_in_window + 1 ELSE 1 END,
  throttled_window_start = CASE WHEN g.throttled_window_start > now() - ${WINDOW} THEN g.throttled_window_start ELSE now() END,
  last_throttled_at = now(),
  last_retry_after_ms = $2::int,
  updated_at = now()`;

/** Records a 429 for the host: every sender pauses for pauseMs and slows down. */
export async function recordThrottle(db: TSql, host: string, pauseMs: number): Promise<void> {
  await db.$executeRawUnsafe(SQL, host, Math.max(0, Math.round(pauseMs)));
}
