// The worker process: registers this node, runs the job runtime (graphile-worker over
// Ferry's PostgreSQL), keeps every active channel scheduled, heartbeats, and shuts down
// cleanly on SIGTERM/SIGINT (the cycle in progress finishes first).
import { EventEmitter } from "node:events";
import { Logger, makeWorkerUtils, run, type Runner, type WorkerEvents, type WorkerUtils } from "graphile-worker";
import { closeDb, getDb, resolveDatabaseUrl } from "../lib/db/index.ts";
import { getEnv } from "../lib/env.ts";
import { toAppError } from "../lib/errors.ts";
import { makeRunCycleHandler, RUN_CYCLE, scheduleChannels } from "../lib/jobs/run-cycle-job.ts";
import { logger } from "../lib/log.ts";
import { heartbeat } from "../lib/nodes/heartbeat.ts";
import { registerNode } from "../lib/nodes/register-node.ts";

async function main(): Promise<void> {
  const env = getEnv();
  await getDb();
  const { url } = await resolveDatabaseUrl();
  const node = await registerNode({ nodeId: env.FERRY_NODE_ID, version: process.env.npm_package_version });
  const log = logger.child({ node: node.id });
  let mode = node.mode;

  // graphile-worker's own chatter (job started/completed) is debug-level detail for Ferry
  const jobLogger = new Logger(() => (level, message) => {
    if (level === "error") log.error(message);
    else if (level === "warning") log.warn(message);
    else log.debug(message);
  });
  const utils: WorkerUtils = await makeWorkerUtils({ connectionString: url, logger: jobLogger });
  await utils.migrate();
  // jobs this node's previous process held when it died are released at once
  if (node.previousWorkerIds.length > 0) await utils.forceUnlockWorkers(node.previousWorkerIds);

  const workerIds = new Set<string>();
  // listeners must be in place before run() creates its workers
  const events: WorkerEvents = new EventEmitter();
  // graphile-worker locks jobs in the name of the worker pool (and, in older versions, of each worker)
  events.on("pool:create", ({ workerPool }) => workerIds.add(workerPool.id));
  events.on("worker:create", ({ worker }) => workerIds.add(worker.workerId));
  const runner: Runner = await run({
    events,
    connectionString: url,
    concurrency: 2,
    noHandleSignals: true,
    pollInterval: 1000,
    logger: jobLogger,
    taskList: { [RUN_CYCLE]: makeRunCycleHandler({ nodeId: node.id, log, isActive: () => mode === "ACTIVE" }) as never },
  });

  const beat = async () => {
    try {
      const now = await heartbeat({ nodeId: node.id, status: "RUNNING", workerIds: [...workerIds] });
      if (now !== mode) log.warn(`node mode is now ${now}`);
      mode = now;
    } catch (err) {
      log.error("heartbeat failed", { error: (err as Error).message });
    }
  };
  const schedule = async () => {
    if (mode !== "ACTIVE") return;
    try {
      await scheduleChannels(utils);
    } catch (err) {
      log.error("scheduling failed", { error: (err as Error).message });
    }
  };
  // record the worker ids before any job can be taken, so a SIGKILL right after start is recoverable too
  await beat();
  await schedule();
  const timers = [setInterval(beat, env.FERRY_HEARTBEAT_SEC * 1000), setInterval(schedule, env.FERRY_SCHEDULER_SEC * 1000)];
  log.info("worker started", { mode, pid: process.pid });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping: waiting for the running cycle to finish", { signal });
    timers.forEach(clearInterval);
    await runner.stop();
    await utils.release();
    await heartbeat({ nodeId: node.id, status: "STOPPED" }).catch(() => undefined);
    await closeDb();
    log.info("worker stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
  await runner.promise;
}

main().catch((err) => {
  const e = toAppError(err);
  logger.error(`worker failed to start: ${e.message}`);
  process.exit(e.exitCode);
});
