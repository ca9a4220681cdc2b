// Jobs "run-cycle" and "run-bulk-cycle": one provisioning cycle of one channel, in the
// node's incremental or bulk lane (cycle-lane.ts). Jobs of a channel share the
// graphile-worker queue `channel:<id>`, which runs them one at a time whatever the lane,
// the number of workers and nodes, and the job key `cycle:<id>`, so at most one cycle is
// waiting. Every cycle is queued in the lane its channel's state calls for; one that
// reaches the incremental lane but would be long (a cycle asked for by an older console,
// a reset made meanwhile) is handed to the bulk lane before it starts.
// The handler does not throw for LDAP or SCIM failures (a cycle records its own, and the
// next cycle retries every dirty record), so graphile-worker's attempts only count
// cycles cut short by a crashed node: those are run again once the lock is released.
import type { JobHelpers, WorkerUtils } from "graphile-worker";
import { z } from "zod";
import { AppError } from "../errors.ts";
import type { TLogger } from "../log.ts";
import { LeaseHeldError } from "../sync/lease.ts";
import { runCycle } from "../sync/run-cycle.ts";
import { getDb } from "../db/index.ts";
import { getEnv } from "../env.ts";
import { observeCycleLook } from "../metrics/registry.ts";
import { lookBeforeCycle } from "../sync/quiet-poll.ts";
import { CYCLE_JOB_KEY_PREFIX, cycleJobKey, cycleQueue, cycleTask } from "./cycle-job-names.ts";
import { LANE_FIELDS, laneOf, type TCycleLane } from "./cycle-lane.ts";
export const ZRunCyclePayload = z.object({ channelId: z.number().int().positive(), trigger: z.string().optional() });
export type TRunCyclePayload = z.infer<typeof ZRunCyclePayload>;

type TAddJob = WorkerUtils["addJob"] | JobHelpers["addJob"];

export function queueCycle(addJob: TAddJob, channelId: number, runAt: Date, mode: "replace" | "preserve_run_at", lane: TCycleLane, trigger = "scheduled") {
  return addJob(cycleTask(lane), { channelId, trigger } satisfies TRunCyclePayload, {
    queueName: cycleQueue(channelId),
    jobKey: cycleJobKey(channelId),
    jobKeyMode: mode,
    runAt,
    maxAttempts: 100,
  });
}

export function makeRunCycleHandler(ctx: { nodeId: number; log: TLogger; signal: AbortSignal; lane: TCycleLane }) {
  return async (rawPayload: unknown, helpers: JobHelpers): Promise<void> => {
    const payload = ZRunCyclePayload.parse(rawPayload);
    const db = await getDb();
    const channel = await db.channel.findUnique({ where: { id: payload.channelId } });
    if (!channel || !channel.active || !channel.connectionActive) return; // deleted or switched off: nothing more to schedule
    // quarantined: whatever asked for this cycle, the channel waits until its quarantine ends
    // (releasing it by hand clears quarantine_until and asks for a cycle)
    if (channel.quarantineUntil && channel.quarantineUntil.getTime() > Date.now()) {
      await queueCycle(helpers.addJob, channel.id, channel.quarantineUntil, "replace", laneOf(channel), "quarantine ended");
      return;
    }
    // long work found in the incremental lane: to the bulk lane, now (the channel's queue
    // starts it there once this job has ended)
    if (ctx.lane === "incremental" && laneOf(channel) === "bulk") {
      ctx.log.debug("long cycle: handed to the bulk lane", { channel: channel.id });
      await queueCycle(helpers.addJob, channel.id, new Date(), "replace", "bulk", payload.trigger);
      return;
    }
    // a scheduled cycle that would find nothing to do is left out (lib/sync/quiet-poll.ts)
    if ((payload.trigger ?? "scheduled") === "scheduled" && ctx.lane === "incremental" && !ctx.signal.aborted) {
      const look = await lookBeforeCycle(db, channel, getEnv().FERRY_QUIET_CYCLE_SEC).catch((err: unknown) => ({
        quiet: false as const,
        reason: `the look failed: ${(err as Error).message}`,
      }));
      observeCycleLook(channel.id, look.quiet);
      if (look.quiet) {
        await queueCycle(helpers.addJob, channel.id, new Date(Date.now() + channel.syncFrequencySec * 1000), "replace", "incremental");
        return;
      }
      ctx.log.debug("cycle: the look found work", { channel: channel.id, reason: look.reason });
    }
    let retrySoon = false;
    try {
      // the node is stopping: queued again below, for whichever node is up in a few seconds
      if (ctx.signal.aborted) retrySoon = true;
      else await runCycle({ channelId: channel.id, nodeId: ctx.nodeId, trigger: payload.trigger ?? "scheduled", log: ctx.log, signal: ctx.signal });
    } catch (err) {
      // a lease held elsewhere (a cycle from provmgr, or a node that stopped answering
      // and whose lease has not expired yet): try again shortly rather than a whole period
      // later. Any other refusal (CONFLICT: the channel was switched off) waits its period.
      retrySoon = err instanceof LeaseHeldError;
      if (!(err instanceof AppError)) ctx.log.error("cycle crashed", { channel: channel.id, error: (err as Error).message });
      else if (!retrySoon) ctx.log.error("cycle could not run", { channel: channel.id, error: err.message });
    }
    const delay = retrySoon ? Math.min(5, channel.syncFrequencySec) : channel.syncFrequencySec;
    // a cycle that put the channel in quarantine: the next one waits for its end
    const after = await db.channel.findUnique({ where: { id: channel.id }, select: { quarantineUntil: true, ...LANE_FIELDS } });
    const next = Math.max(Date.now() + delay * 1000, after?.quarantineUntil?.getTime() ?? 0);
    await queueCycle(helpers.addJob, channel.id, new Date(next), "replace", after ? laneOf(after) : ctx.lane);
  };
}

/**
 * Makes sure every active channel has its next cycle queued (new channels, channels
 * switched on, a job that ran out of attempts). A channel whose job is waiting or running
 * is left alone: each cycle queues the next one itself, so on a settled node a pass is one
 * statement, not one job write per channel (at 30 channels and a 5 s pass, six writes a
 * second on the jobs table, each a dead row version, for nothing).
 */
export async function scheduleChannels(utils: WorkerUtils): Promise<number> {
  const db = await getDb();
  const unqueued = await db.$queryRawUnsafe<Array<{ id: number }>>(
    `SELECT c.id FROM channel c
     WHERE c.active AND c.connection_active
       AND NOT EXISTS (SELECT 1 FROM graphile_worker.jobs j WHERE j.key = $1 || c.id AND j.attempts < j.max_attempts)`,
    CYCLE_JOB_KEY_PREFIX,
  );
  if (unqueued.length === 0) return 0;
  const channels = await db.channel.findMany({
    where: { id: { in: unqueued.map((c) => c.id) }, active: true, connectionActive: true },
    select: { id: true, lastCycleAt: true, syncFrequencySec: true, quarantineUntil: true, ...LANE_FIELDS },
  });
  for (const c of channels) {
    const due = new Date(Math.max(c.lastCycleAt ? c.lastCycleAt.getTime() + c.syncFrequencySec * 1000 : Date.now(), c.quarantineUntil?.getTime() ?? 0));
    // preserve_run_at: a job queued meanwhile (by a cycle, or the console) keeps its time
    await queueCycle(utils.addJob, c.id, due, "preserve_run_at", laneOf(c));
  }
  return channels.length;
}
