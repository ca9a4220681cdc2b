// Runs one cycle of a channel in a fresh process and prints its result and the process's
// peak RSS as one JSON line: the worker's cost, measured alone.
import { closeDb, getDb } from "../lib/db/index.ts";
import { governorWaitSeconds } from "../lib/metrics/registry.ts";
import { runCycle } from "../lib/sync/run-cycle.ts";

const channelId = Number(process.argv[2]);
// a worker opens its database once, not per cycle: keep that out of the cycle's time
await getDb();
const t0 = performance.now();
const r = await runCycle({ channelId, trigger: "bench" });
const ms = performance.now() - t0;
// what requests waited for the shared rate governor, summed over requests (bench --governor)
const governorWaitMs = (await governorWaitSeconds.get()).values.reduce((a, v) => a + v.value * 1000, 0);
await closeDb();
process.stdout.write(
  JSON.stringify({ ms, governorWaitMs, status: r.status, message: r.message, stats: r.stats, maxRssMb: process.resourceUsage().maxRSS / 1024 }) + "\n",
);
