// Runs one cycle of a channel in a fresh process and prints its result, the process's
// peak RSS, its CPU time and its garbage collection time as one JSON line: the worker's cost, measured alone.
import { constants, PerformanceObserver } from "node:perf_hooks";
import { closeDb, getDb } from "../lib/db/index.ts";
import { governorWaitSeconds } from "../lib/metrics/registry.ts";
import { runCycle } from "../lib/sync/run-cycle.ts";

const channelId = Number(process.argv[2]);
// a worker opens its database once, not per cycle: keep that out of the cycle's time
await getDb();
const gc = { minorMs: 0, majorMs: 0, count: 0 };
const observer = new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gc.minorMs += e.duration;
    else gc.majorMs += e.duration;
    gc.count++;
  }
});
observer.observe({ entryTypes: ["gc"] });
const t0 = performance.now();
const cpu0 = process.cpuUsage();
const r = await runCycle({ channelId, trigger: "bench" });
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
observer.disconnect();
// what requests waited for the shared rate governor, summed over requests (bench --governor)
const governorWaitMs = (await governorWaitSeconds.get()).values.reduce((a, v) => a + v.value * 1000, 0);
await closeDb();
process.stdout.write(
  JSON.stringify({ ms, governorWaitMs, status: r.status, message: r.message, stats: r.stats, maxRssMb: process.resourceUsage().maxRSS / 1024, cpuMs, gc }) + "\n",
);
