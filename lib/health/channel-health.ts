// A channel's health, one word an administrator can act on, derived from what its
// cycles and requests really did — a target or a directory that refuses every request
// is *failing*, not "partial". Pure (shared by the worker, which stores it after each
// cycle and alerts on a change, and by every view: the console, the API, provmgr), and
// browser-safe.

export const HEALTH_STATES = ["healthy", "degraded", "failing", "quarantined", "held", "inactive", "pending"] as const;
export type THealthState = (typeof HEALTH_STATES)[number];

export const HEALTH_LABELS: Record<THealthState, string> = {
  healthy: "Healthy",
  degraded: "Degraded",
  failing: "Failing",
  quarantined: "Quarantined",
  held: "Held for approval",
  inactive: "Inactive",
  pending: "No cycle yet",
};

/** How one finished cycle went, as its health sees it. */
export type TCycleVerdict =
  /** read and pushed, nothing refused */
  | "ok"
  /** some records refused, others acknowledged; or a deprovisioning held */
  | "partial"
  /** the directory could not be read (bind refused, unreachable, truncated) */
  | "directory-failed"
  /** the target refused the push as a whole (auth, an HTML page, unreachable), or every request */
  | "target-failed"
  /** stopped from outside: the lease was taken, the node stopped */
  | "interrupted";

export type TCycleFacts = {
  status: "SUCCESS" | "PARTIAL" | "FAILED" | "ABORTED" | "RUNNING";
  readFailed: boolean;
  pushStopped: boolean;
  fenced: boolean;
  /** records the target acknowledged / refused */
  pushed: number;
  failed: number;
  /** of the refused, those the target failed as a whole on (auth, 5xx, unreachable) */
  targetFailed: number;
};

/**
 * Failing when nothing got through because of the target as a whole: a push stopped at
 * it, or every request failed on its credentials or an outage. Records refused for
 * themselves (a 400 on one user) make a cycle partial, never failing: one bad record
 * must not quarantine the channel.
 */
export function cycleVerdict(c: TCycleFacts): TCycleVerdict {
  if (c.fenced || c.status === "ABORTED") return "interrupted";
  if (c.readFailed) return "directory-failed";
  if (c.pushStopped || (c.targetFailed > 0 && c.pushed === 0)) return "target-failed";
  if (c.status === "SUCCESS") return "ok";
  return "partial";
}

export type THealthInput = {
  active: boolean;
  connectionActive: boolean;
  /** now, for the quarantine's end */
  now: Date;
  quarantineUntil: Date | null;
  quarantineReason: string | null;
  /** open deprovisioning holds awaiting an approval */
  held: number;
  /** the last finished cycle's verdict and message, if any */
  last: { verdict: TCycleVerdict; message: string | null } | null;
  /** consecutive failing cycles up to the last one */
  failingCycles: number;
};

export type THealth = { state: THealthState; reason: string };

/** What a cycle found of its channel's health: what it was, what it is now. */
export type THealthChange = { verdict: TCycleVerdict; previous: string | null; current: THealth; since: Date; quarantineUntil: Date | null };

export function channelHealth(i: THealthInput): THealth {
  if (!i.active || !i.connectionActive) {
    return { state: "inactive", reason: !i.active ? "the channel is switched off" : "its connection is switched off" };
  }
  if (i.quarantineUntil && i.quarantineUntil.getTime() > i.now.getTime()) {
    return { state: "quarantined", reason: i.quarantineReason ?? "quarantined after repeated failures" };
  }
  const last = i.last;
  if (last && (last.verdict === "directory-failed" || last.verdict === "target-failed")) {
    const what = last.verdict === "directory-failed" ? "the directory cannot be read" : "the target refuses the changes";
    const times = i.failingCycles > 1 ? ` (${i.failingCycles} cycles in a row)` : "";
    return { state: "failing", reason: `${what}${times}: ${last.message ?? "no message"}` };
  }
  if (i.held > 0) return { state: "held", reason: `${i.held === 1 ? "a deprovisioning is" : `${i.held} deprovisionings are`} held for approval` };
  if (!last) return { state: "pending", reason: "no cycle has finished yet" };
  if (last.verdict === "partial") return { state: "degraded", reason: last.message ?? "the last cycle finished with problems" };
  if (last.verdict === "interrupted") return { state: "degraded", reason: last.message ?? "the last cycle was interrupted" };
  return { state: "healthy", reason: last.message ?? "the last cycle succeeded" };
}

/**
 * Quarantine: after `after` failing cycles in a row a channel waits before it is tried
 * again, longer each time it still fails (minutes, then hours), and leaves by itself
 * with the first cycle that does not fail.
 */
export const QUARANTINE_STEPS_SEC = [5 * 60, 15 * 60, 60 * 60, 4 * 60 * 60] as const;

export function quarantineAfter(failingCycles: number, options: { quarantineAfterFailures: number }): { level: number; seconds: number } | null {
  if (options.quarantineAfterFailures <= 0 || failingCycles < options.quarantineAfterFailures) return null;
  const level = Math.min(failingCycles - options.quarantineAfterFailures, QUARANTINE_STEPS_SEC.length - 1);
  return { level, seconds: QUARANTINE_STEPS_SEC[level]! };
}

/** A record the target keeps refusing waits longer each time: 1, 2, 4 … minutes, at most `maxSec`. */
export function recordBackoffSec(attempts: number, maxSec: number): number {
  if (attempts <= 1) return 0;
  return Math.min(maxSec, 60 * 2 ** Math.min(attempts - 2, 20));
}
