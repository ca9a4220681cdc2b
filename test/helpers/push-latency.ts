// Timing a change from the directory write to the target, for the push-mode tests.
import { waitFor } from "../../devkit/wait-for.ts";

/** Runs `write`, then polls `arrived` every 50 ms; the time from just before the write until it holds. */
export async function timeChange(what: string, write: () => Promise<unknown>, arrived: () => Promise<boolean>, timeoutMs = 10_000): Promise<number> {
  const t0 = Date.now();
  await write();
  await waitFor(what, async () => arrived(), timeoutMs, 50);
  return Date.now() - t0;
}

/** The p-th percentile (0-100) of `ms`, nearest rank. */
export function percentile(ms: number[], p: number): number {
  const s = [...ms].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

export function summary(label: string, ms: number[]): string {
  return `${label}: n=${ms.length} p50 ${percentile(ms, 50)} ms, p95 ${percentile(ms, 95)} ms, max ${Math.max(...ms)} ms (${ms.join(", ")})`;
}
