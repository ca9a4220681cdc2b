// The shared rate governor's state for a target host in one line, for the channel
// overview (browser-safe: no database). What a channel configures and what is in force
// after 429s differ; both are said.
export type TGovernorLineInput = {
  /** the channel's own target.rateLimit */
  configured?: { requestsPerSecond?: number; writesPerMinute?: number } | null;
  /** the host's row, as JSON from the API; null before anyone sent there under the governor */
  state: { factor: number; pausedForMs: number; throttledRecent: number; lastThrottledAt: string | Date | null } | null;
};

const round = (n: number) => (n >= 10 ? Math.round(n).toString() : n.toFixed(1).replace(/\.0$/, ""));

export function governorLine({ configured, state }: TGovernorLineInput): string {
  const parts: string[] = [];
  const rps = configured?.requestsPerSecond;
  const wpm = configured?.writesPerMinute;
  const factor = state?.factor ?? 1;
  const limits: string[] = [];
  if (rps !== undefined) limits.push(`${round(rps * factor)} requests/s`);
  if (wpm !== undefined) limits.push(`${round(wpm * factor)} writes/min`);
  if (limits.length === 0) parts.push("no rate limit set");
  else parts.push(factor < 0.999 ? `${limits.join(", ")} (slowed to ${Math.round(factor * 100)}% after 429s)` : limits.join(", "));
  if (state && state.pausedForMs > 0) parts.push(`paused ${Math.ceil(state.pausedForMs / 1000)} s more`);
  const recent = state?.throttledRecent ?? 0;
  parts.push(recent > 0 ? `${recent} × 429 in the last 5 min` : "no 429 lately");
  return parts.join(" · ");
}
