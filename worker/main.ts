// The worker process: one provisioning node. It registers, heartbeats, declares silent
// peers dead (releasing their jobs), and — while it should provision — runs the job
// runtime (graphile-worker over Ferry's PostgreSQL) and keeps every active channel's
// next cycle queued. Cycles run in two lanes (lib/jobs/cycle-lane.ts), one runner each:
// long ones (first loads, full reconciliations) in FERRY_WORKER_BULK_CONCURRENCY slots,
// incremental ones in the rest of FERRY_WORKER_CONCURRENCY. An ACTIVE node provisions; a
// FAILOVER node stands by and provisions only while no ACTIVE node is alive. SIGTERM/SIGINT stop it cleanly (the cycle in
// progress finishes first); being put in FAILOVER stops its cycles at the next batch.
import { EventEmitter } from "node:events";
import { Logger, makeWorkerUtils, run, type Runner, type WorkerEvents, type WorkerUtils } from "graphile-worker";
import pg from "pg";
import { closeDb, getDb, resolveDatabaseUrl } from "../lib/db/index.ts";
import { getEnv } from "../lib/env.ts";
import { toAppError } from "../lib/errors.ts";
import { RUN_BULK_CYCLE, RUN_CYCLE } from "../lib/jobs/cycle-job-names.ts";
import { laneSlots } from "../lib/jobs/cycle-lane.ts";
import { PushWatchers } from "../lib/jobs/push-watchers.ts";
import { makeRunCycleHandler, scheduleChannels } from "../lib/jobs/run-cycle-job.ts";
import { DELIVER_ALERT } from "../lib/alerts/deliver.ts";
import { deliverAlertHandler } from "../lib/jobs/deliver-alert-job.ts";
import { logger } from "../lib/log.ts";
import { heartbeat, NodeDeclaredDeadError } from "../lib/nodes/heartbeat.ts";
import { reapDeadNodes, shouldProvision } from "../lib/nodes/reap-dead-nodes.ts";
import { registerNode } from "../lib/nodes/register-node.ts";
import { startMetricsServer } from "../lib/metrics/server.ts";
import { pruneProvisioningLog } from "../lib/provisioning-log/partitions.ts";

/** Exit code of a node that was declared dead by its peers: restart it, fresh. */
const EXIT_DECLARED_DEAD = 75;

async function main(): Promise<void> {
  const env = getEnv();
  const slots = laneSlots(env);
  await getDb();
  const { url } = await resolveDatabaseUrl();
  const node = await registerNode({ nodeId: env.FERRY_NODE_ID, version: process.env.npm_package_version });
  const log = logger.child({ node: node.id });
  let mode = node.mode;
  let stopping = false;
  if (node.releasedChannels.length > 0 || node.abortedCycles > 0) {
    log.warn("restarted: the previous process of this node had died; its leases are released and its cycles marked ABORTED", {
      channels: node.releasedChannels,
      cycles: node.abortedCycles,
    });
  }

  // graphile-worker's own chatter (job started/completed) is debug-level detail for Ferry;
  // while stopping, its complaints about connections the database ended are expected
  const jobLogger = new Logger(() => (level, message) => {
    if (level === "error" && !stopping) log.error(message);
    else if (level === "error" || level === "warning") log.warn(message);
    else log.debug(message);
  });

  // One pool for graphile-worker (utils and every runner), owned here and closed last.
  // Given a connection string, graphile-worker makes its own pool and, when it stops,
  // removes that pool's 'error' listener and ends it without waiting: a connection the
  // database ended meanwhile (Ctrl-C on `npm start` / the demo stops the embedded
  // PostgreSQL together with the worker) was then an unhandled 'error' and a crash.
  // Here the listeners stay until the pool has ended.
  // each runner keeps a connection to listen, and takes one to fetch and complete jobs
  const jobPool = new pg.Pool({ connectionString: url, max: Math.max(10, env.FERRY_WORKER_CONCURRENCY + 4) });
  const onConnectionError = (err: Error) => {
    // pg drops the broken connection from the pool; a query on it fails by itself
    if (stopping) log.debug("database connection ended while stopping", { error: err.message });
    else log.warn("database connection lost", { error: err.message });
  };
  jobPool.on("error", onConnectionError);
  jobPool.on("connect", (client) => client.on("error", onConnectionError));

  const utils: WorkerUtils = await makeWorkerUtils({ pgPool: jobPool, logger: jobLogger });
  await utils.migrate();
  // jobs this node's previous process held when it died are released at once
  if (node.previousWorkerIds.length > 0) await utils.forceUnlockWorkers(node.previousWorkerIds);

  // graphile-worker locks jobs in the name of the worker pool (and, in older versions, of each worker)
  const workerIds = new Set<string>();
  // one runner per lane, started and stopped together
  let runner: Runner[] | null = null;
  let abort = new AbortController();
  // push-mode channels' directory watchers: run while this node provisions
  const push = new PushWatchers(log);

  const startRunner = async () => {
    const events: WorkerEvents = new EventEmitter();
    events.on("pool:create", ({ workerPool }) => workerIds.add(workerPool.id));
    events.on("worker:create", ({ worker }) => workerIds.add(worker.workerId));
    events.on("pool:release", ({ workerPool }) => workerIds.delete(workerPool.id));
    events.on("worker:release", ({ worker }) => workerIds.delete(worker.workerId));
    const signal = abort.signal;
    const lane = (concurrency: number, taskList: Parameters<typeof run>[0]["taskList"]) =>
      run({ pgPool: jobPool, concurrency, noHandleSignals: true, pollInterval: 1000, logger: jobLogger, events, taskList });
    // FERRY_WORKER_LANES: a process may run one lane only (a second worker on the machine runs the other)
    const started: Runner[] = [];
    try {
      if (env.FERRY_WORKER_LANES !== "bulk") {
        started.push(
          await lane(slots.incremental, {
            [RUN_CYCLE]: makeRunCycleHandler({ nodeId: node.id, log, signal, lane: "incremental" }) as never,
            [DELIVER_ALERT]: deliverAlertHandler as never,
          }),
        );
      }
      if (env.FERRY_WORKER_LANES !== "incremental") {
        started.push(await lane(slots.bulk, { [RUN_BULK_CYCLE]: makeRunCycleHandler({ nodeId: node.id, log, signal, lane: "bulk" }) as never }));
      }
    } catch (err) {
      await Promise.all(started.map((r) => r.stop()));
      throw err;
    }
    runner = started;
    log.info("provisioning", {
      mode,
      lanes: env.FERRY_WORKER_LANES,
      incrementalSlots: env.FERRY_WORKER_LANES === "bulk" ? 0 : slots.incremental,
      bulkSlots: env.FERRY_WORKER_LANES === "incremental" ? 0 : slots.bulk,
    });
  };
  const stopRunner = async (reason: string) => {
    if (!runner) return;
    log.warn(`stopping provisioning: ${reason}`);
    abort.abort(reason);
    await push.stopAll();
    const r = runner;
    runner = null;
    const held = [...workerIds];
    await Promise.all(r.map((x) => x.stop()));
    // a job whose cycle was aborted can stay locked by the stopped pool; release it for the other nodes
    if (held.length > 0) await utils.forceUnlockWorkers(held);
    abort = new AbortController();
  };

  const beat = async () => {
    if (stopping) return;
    try {
      const now = await heartbeat({ nodeId: node.id, status: runner ? "RUNNING" : "STANDBY", workerIds: [...workerIds] });
      if (now !== mode) log.warn(`node mode is now ${now}`);
      mode = now;
      for (const dead of await reapDeadNodes({ byNodeId: node.id, graceSec: env.FERRY_FAILOVER_GRACE_SEC })) {
        log.warn(`node ${dead.id} stopped answering for ${env.FERRY_FAILOVER_GRACE_SEC} s: declared dead, its jobs released, its cycles aborted`);
        if (dead.workerIds.length > 0) await utils.forceUnlockWorkers(dead.workerIds);
      }
      const should = await shouldProvision({ nodeId: node.id, mode, graceSec: env.FERRY_FAILOVER_GRACE_SEC });
      if (should && !runner) await startRunner();
      else if (!should && runner) await stopRunner(`node ${node.id} is in FAILOVER and an ACTIVE node is alive`);
      else return;
      await heartbeat({ nodeId: node.id, status: runner ? "RUNNING" : "STANDBY", workerIds: [...workerIds] });
    } catch (err) {
      if (err instanceof NodeDeclaredDeadError) {
        log.error(`${err.message}; exiting so that it restarts clean`);
        abort.abort(err.message);
        process.exit(EXIT_DECLARED_DEAD);
      }
      log.error("heartbeat failed", { error: (err as Error).message });
    }
  };
  const schedule = async () => {
    if (!runner || stopping) return;
    try {
      await scheduleChannels(utils);
    } catch (err) {
      log.error("scheduling failed", { error: (err as Error).message });
    }
    try {
      // a bulk-only process leaves the watchers to the process that runs the incremental lane
      if (env.FERRY_WORKER_LANES !== "bulk") await push.reconcile();
    } catch (err) {
      log.error("push mode: starting the watchers failed", { error: (err as Error).message });
    }
  };
  const metrics = await startMetricsServer({ host: env.FERRY_METRICS_HOST, port: env.FERRY_METRICS_PORT, log });
  await beat();
  await schedule();
  // the provisioning log keeps FERRY_PROVISIONING_LOG_DAYS: older day partitions are dropped, hourly
  const prune = async () => {
    if (stopping || env.FERRY_PROVISIONING_LOG_DAYS === 0) return;
    try {
      const dropped = await pruneProvisioningLog(await getDb(), env.FERRY_PROVISIONING_LOG_DAYS);
      if (dropped.length > 0) log.info("provisioning log: old days dropped", { partitions: dropped.length });
    } catch (err) {
      log.warn("provisioning log: retention failed", { error: (err as Error).message });
    }
  };
  await prune();
  const timers = [setInterval(beat, env.FERRY_HEARTBEAT_SEC * 1000), setInterval(schedule, env.FERRY_SCHEDULER_SEC * 1000), setInterval(prune, 3600_000)];
  log.info("worker started", { mode, pid: process.pid });

  // In order: the cycles and the job runtime, the node's status, then the connections.
  // Each step is taken even when the one before failed: the database may already be gone.
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info("stopping: waiting for the running cycle to finish", { signal });
    timers.forEach(clearInterval);
    const step = async (what: string, fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        log.warn(`stopping: ${what} failed`, { error: (err as Error).message });
      }
    };
    await step("the push watchers", () => push.stopAll());
    await step("the job runners", async () => Promise.all((runner ?? []).map((r) => r.stop())));
    await step("the metrics endpoint", async () => metrics?.close());
    await step("the job utilities", () => utils.release());
    await step("recording the node as stopped", () => heartbeat({ nodeId: node.id, status: "STOPPED" }));
    await step("closing the job pool", () => jobPool.end());
    await step("closing the store", () => closeDb());
    log.info("worker stopped");
    process.exit(0);
  };
  process.on("SIGTERM", () => void stop("SIGTERM"));
  process.on("SIGINT", () => void stop("SIGINT"));
}

main().catch((err) => {
  const e = toAppError(err);
  logger.error(`worker failed to start: ${e.message}`);
  process.exit(e.exitCode);
});
