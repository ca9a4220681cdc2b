// A running cycle's progress as people read it: one line and a percentage. Pure and
// browser-safe (the console's progress bar, provmgr's --show-channels, the demo and the
// bench all say it the same way). The worker writes TCycleProgress: lib/sync/progress.ts.

export type TCycleProgress = {
  /** the phases running now: users.read, users.push, groups.read, groups.push, deprovision.guard, ... */
  phases: string[];
  read: number;
  /** users in scope the last time (none on a first load) */
  readAbout: number | null;
  /** records pushed (acknowledged or refused) */
  pushed: number;
  failed: number;
  /** records still due for the target, counted while a push runs */
  left: number | null;
  /** records per second over the last ticks */
  perSec: number | null;
  /** seconds left at that rate */
  etaSec: number | null;
  at: string;
};

const PHASE_WORDS: Record<string, string> = {
  "ldap.bind": "connecting to the directory",
  "users.read": "reading users",
  "groups.read": "reading groups",
  "deprovision.guard": "checking deprovisioning",
  "target.inventory": "listing the target's accounts",
  "users.push": "pushing users",
  "groups.push": "pushing groups",
};

const n = (x: number) => x.toLocaleString("en-US");

export function duration(sec: number): string {
  if (sec < 60) return `${Math.max(1, Math.round(sec))} s`;
  if (sec < 3600) return `${Math.round(sec / 60)} min`;
  const h = Math.floor(sec / 3600);
  const m = Math.round((sec % 3600) / 60);
  return m > 0 ? `${h} h ${m} min` : `${h} h`;
}

export function describeProgress(p: TCycleProgress): { text: string; percent: number | null } {
  const phases = p.phases.length > 0 ? p.phases.map((x) => PHASE_WORDS[x] ?? x).join(" and ") : "working";
  const parts = [phases];
  if (p.read > 0 || p.phases.includes("users.read")) parts.push(`read ${n(p.read)}${p.readAbout ? ` of about ${n(p.readAbout)}` : ""} users`);
  if (p.pushed > 0 || p.left !== null) {
    const total = p.left !== null ? p.pushed + p.left : null;
    parts.push(`pushed ${n(p.pushed)}${total !== null ? ` of ${n(total)}` : ""}${p.failed > 0 ? ` (${n(p.failed)} refused)` : ""}`);
  }
  if (p.perSec) parts.push(`${p.perSec >= 10 ? Math.round(p.perSec) : p.perSec}/s`);
  if (p.etaSec !== null && p.etaSec > 0) parts.push(`about ${duration(p.etaSec)} left`);
  let percent: number | null = null;
  if (p.left !== null && p.pushed + p.left > 0) percent = Math.round((100 * p.pushed) / (p.pushed + p.left));
  else if (p.readAbout && p.phases.includes("users.read")) percent = Math.min(99, Math.round((100 * p.read) / p.readAbout));
  return { text: parts.join(", "), percent };
}
