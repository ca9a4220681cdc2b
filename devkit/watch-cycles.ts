// Prints what a channel's cycles are doing while they run — the progress the worker
// writes every two seconds (phase, counts, rate, time left), in the words the console and
// provmgr use — and how each one ended. The demo and the benchmark print it.
import { cycleActivity } from "../lib/channels/cycle-activity.ts";
import { getDb } from "../lib/db/index.ts";
import { describeProgress } from "../lib/health/cycle-progress.ts";

export function watchCycles(channelId: number, print: (line: string) => void, options: { everyMs?: number; finished?: boolean } = {}): () => void {
  let lastProgress = "";
  let lastRunning: string | null = null;
  let busy = false;
  const timer = setInterval(async () => {
    if (busy) return;
    busy = true;
    try {
      const a = (await cycleActivity([channelId])).get(channelId);
      if (a?.running && a.latest) {
        lastRunning = a.latest.id;
        if (a.progress) {
          const d = describeProgress(a.progress);
          const line = `cycle #${a.latest.id}: ${d.percent !== null ? `${d.percent}% ` : ""}${d.text}`;
          if (line !== lastProgress) print(line);
          lastProgress = line;
        }
      } else if (lastRunning && options.finished !== false) {
        const db = await getDb();
        const c = await db.cycle.findUnique({ where: { id: BigInt(lastRunning) }, select: { status: true, message: true } });
        if (c) print(`cycle #${lastRunning}: ${c.status} — ${c.message ?? ""}`);
        lastRunning = null;
        lastProgress = "";
      }
    } catch {
      // the store is going away (Ctrl-C): nothing to print
    } finally {
      busy = false;
    }
  }, options.everyMs ?? 2_000);
  timer.unref();
  return () => clearInterval(timer);
}
