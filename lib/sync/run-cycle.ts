// One provisioning cycle of one channel: read scope -> diff with the store -> mark
// dirty -> push -> record. The cycle holds a lease on the channel (lease.ts), so exactly
// one cycle of a channel runs at any moment — on any node, from the worker or provmgr —
// and a node that lost its lease cannot write.
//
// Order matters for safety: directory results are written batch by batch as they are
// read, but the channel's timestamps move forward only after the whole read
// succeeded, and deprovisioning is decided once, after the whole read, by one guarded
// step (deprovision.ts) whatever path found the people who are gone. A read that fails
// halfway leaves the next cycle to read again and deprovisions no one.
import { compactRecordCounts } from "../records/record-counts.ts";
import { readStoredChannel } from "../channel-config/stored.ts";
import { getDb, getRawSql } from "../db/index.ts";
import { getEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { Directory } from "../ldap/directory.ts";
import { logger as rootLogger, type TLogger } from "../log.ts";
import { ScimClient } from "../scim/client.ts";
import { rateGate } from "../governor/rate-gate.ts";
import { emptyStats, ReadProgress, timed, type TCycleContext, type TCycleStats } from "./context.ts";
import { decideDeprovisioning } from "./deprovision.ts";
import { onHealthChange } from "../alerts/on-health-change.ts";
import type { THealth } from "../health/channel-health.ts";
import { healthAfterCycle, type THealthChange } from "./record-health.ts";
import { enforceGroupMembers, enforceUserAttributes } from "./enforce-target.ts";
import { pushGroups } from "./push-groups.ts";
import { pushUsers } from "./push-users.ts";
import { readGroups } from "./read-groups.ts";
import { readUsers } from "./read-users.ts";
import { inventoryForFirstLoad } from "./take-inventory.ts";
import { recordPushStopped, storeNow } from "./record-push-stopped.ts";
import { recordBacklog } from "../records/user-records.ts";
import { observeCycle, observeScimExchange } from "../metrics/registry.ts";
import { startProgress, usersInScope } from "./progress.ts";
import { ProvisioningLogWriter } from "../provisioning-log/writer.ts";
import { abortCycles } from "./abort-cycles.ts";
import { FencedError, Lease } from "./lease.ts";
import { pollMarkerOf } from "./quiet-poll.ts";
import { directoryChangeMarker } from "../ldap/directory-marker.ts";

export type TCycleResult = {
  cycleId: bigint;
  channelId: number;
  status: "SUCCESS" | "PARTIAL" | "FAILED";
  message: string;
  stats: TCycleStats;
  /** the channel's health after this cycle (none when the cycle was fenced) */
  health?: THealth;
};

export async function runCycle(options: {
  channelId: number;
  nodeId?: number;
  trigger?: string;
  log?: TLogger;
  /** run even if the channel or its connection is inactive (an operator's manual run) */
  force?: boolean;
  /** aborts between batches, e.g. when the node is put in FAILOVER */
  signal?: AbortSignal;
}): Promise<TCycleResult> {
  const db = await getDb();
  const row = await db.channel.findUnique({ where: { id: options.channelId } });
  if (!row) throw new AppError("NOT_FOUND", `channel ${options.channelId} does not exist`);
  if (!options.force && !(row.active && row.connectionActive)) {
    throw new AppError("CONFLICT", `channel ${row.id} (${row.name}) is inactive`);
  }
  const cfg = readStoredChannel(row);
  const log = (options.log ?? rootLogger).child({ channel: row.id });

  const lease = await Lease.acquire({ db, channelId: row.id, nodeId: options.nodeId, durationSec: getEnv().FERRY_LEASE_SEC, signal: options.signal });
  let fenced: string | undefined;
  let progress: { stop(): Promise<void> } | undefined;
  let plog: ProvisioningLogWriter | undefined;
  let stopOnAbort: (() => void) | undefined;
  try {
    const stats = emptyStats();
    const cycle = await db.cycle.create({
      data: { channelId: row.id, nodeId: options.nodeId, kind: options.trigger ?? "scheduled", status: "RUNNING" },
    });
    const usersHeld = (await db.deprovisionHold.count({ where: { channelId: row.id, kind: "users", status: { in: ["HELD", "APPROVED"] } } })) > 0;
    // the lease was free: a cycle still RUNNING before this one lost it without ending (its process is gone)
    const taken = await abortCycles(
      db,
      { channelId: row.id, before: cycle.id },
      `its lease ran out (the process running it died, froze or lost the database) and cycle #${cycle.id} on ${options.nodeId ? `node ${options.nodeId}` : "a run outside the worker"} took the channel over`,
    );
    if (taken > 0) log.warn("took over from a cycle whose lease ran out; it is marked ABORTED", { cycles: taken });
    const ctx: TCycleContext = {
      db,
      raw: await getRawSql(),
      channel: {
        id: row.id,
        name: row.name,
        groupTimestamp: row.groupTimestamp,
        groupsMarker: row.groupsMarker,
        attributeSyncTimestamp: row.attributeSyncTimestamp,
        lastFullSyncAt: row.lastFullSyncAt,
        usersHeld,
        changeFeed: row.changeFeed,
        changeCookie: row.changeCookie,
        membersPerPatchLearned: row.membersPerPatchLearned,
      },
      cfg,
      log,
      stats,
      lease,
    };

    // set below, before the read starts; progress asks for the users in scope (none on a first load) at its first report
    let firstLoad = false;
    progress = startProgress(db, { cycleId: cycle.id, channelId: row.id, stats, readAbout: async () => (firstLoad ? null : usersInScope(db, row.id)) });
    // every request to the target, in the provisioning log (written in batches beside the push)
    plog = ProvisioningLogWriter.enabled() ? new ProvisioningLogWriter(db, { channelId: row.id, nodeId: options.nodeId ?? null, cycleId: cycle.id }, log) : undefined;
    const provisioningLog = plog;
    const problems: string[] = [];
    const client = new ScimClient(cfg.target, {
      // every channel and node sending to this host shares its rate and its 429 pauses
      governor: rateGate(db, cfg.target),
      onRetry: (i) => log.info("SCIM retry", { request: `${i.method} ${i.path}`, attempt: i.attempt, waitMs: Math.round(i.waitMs), error: i.error.message }),
      onUncertain: (i) => log.warn("SCIM write answered badly; resolved by looking", { error: i.message, outcome: i.outcome }),
      onExchange: (e) => {
        observeScimExchange(row.id, e);
        provisioningLog?.exchange(e);
      },
    });
    // an aborted cycle (node put in FAILOVER, shut down) stops sending at once, even while its requests wait for the rate governor
    // (removed when the cycle ends: the signal is the node's, and outlives every cycle)
    stopOnAbort = () => client.stop();
    options.signal?.addEventListener("abort", stopOnAbort, { once: true });
    // the first failure that stopped the whole push (not one record's): written to every record left waiting, below
    let stoppedBy: { err: unknown } | undefined;
    const pushFailed = (err: unknown) => {
      if (err instanceof FencedError) {
        fenced = err.message;
        client.stop();
      }
      const msg = err instanceof Error ? err.message : String(err);
      if (!fenced) stoppedBy ??= { err };
      log.error("push stopped", { error: msg });
    };
    // records attempted from here on have their own outcome; a stopped push leaves the others its error
    const pushSince = await storeNow(ctx);

    // A first load (nothing stored for this channel yet) pushes the batches the read has
    // stored while the read goes on, so the target is busy from the first page on. Every
    // record it sees was written by this read, which writes each entry once. Later cycles
    // keep the plain order: read everything, then push.
    firstLoad = (await db.$queryRawUnsafe<unknown[]>(`SELECT 1 FROM user_record WHERE channel_id = $1 LIMIT 1`, row.id)).length === 0;
    let pushStopped = false;
    let t1 = Date.now();
    let following: Promise<void> | undefined;
    if (firstLoad) {
      ctx.readProgress = new ReadProgress();
      // the target's inventory first (userMatching: inventory): each new user is then one create
      following = inventoryForFirstLoad(ctx, client)
        .then(() => timed(stats, "users.push", () => pushUsers(ctx, client, true)))
        .catch((err: unknown) => {
          pushStopped = true;
          pushFailed(err);
        });
    }

    let readOk = false;
    let fullRead = false;
    const t0 = Date.now();
    let dir: Directory | undefined;
    let dirMarker: string | null = null;
    try {
      dir = await timed(stats, "ldap.bind", () => Directory.open(cfg.source));
      const d = dir;
      // where the directory stands before anything is read: a write during the read moves
      // it, so the groups' listing (read-groups.ts) and the next look (quiet-poll.ts) see it
      dirMarker = await directoryChangeMarker(d, cfg.source);
      const outcome = await timed(stats, "users.read", () => readUsers(ctx, d));
      fullRead = outcome.full;
      // flattened groups are read again on every full read: a change in a nested group does not touch the group holding it
      const rereadGroups = outcome.full && cfg.options.nestedGroups === "flatten";
      const groupsMarker = await timed(stats, "groups.read", () => readGroups(ctx, d, row.attributeSyncTimestamp === "1", rereadGroups, outcome.full, dirMarker));
      // the one place that lets anyone be disabled or deleted, after a read that completed
      await timed(stats, "deprovision.guard", () => decideDeprovisioning(ctx, cycle.id));
      await lease.write((tx) =>
        tx.channel.update({
          where: { id: row.id },
          data: {
            groupTimestamp: outcome.nextGroupTimestamp,
            attributeSyncTimestamp: outcome.nextAttributeSyncTimestamp,
            changeFeed: outcome.nextFeed.kind,
            changeCookie: outcome.nextFeed.cookie || null,
            groupsMarker,
            ...(outcome.full ? { lastFullSyncAt: new Date(t0) } : {}),
          },
        }),
      );
      readOk = true;
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      if (err instanceof FencedError) {
        fenced = msg;
        client.stop();
        log.warn("cycle fenced during the read", { error: msg });
      } else {
        problems.push(`directory read failed, nobody deprovisioned: ${msg}`);
        log.error("directory read failed; no deprovisioning this cycle", { error: msg });
      }
    } finally {
      ctx.readProgress?.finish();
      await dir?.close();
    }
    stats.readMs = Date.now() - t0;
    if (!following) t1 = Date.now();

    // dirty records from this or earlier cycles are pushed even when the read failed:
    // what a complete read decided is waiting for the target, and a partial read only
    // ever adds creates and updates (deprovisioning needs a complete full read)
    try {
      // a following push has already taken every page up to the end of the read; a
      // record it could not deliver stays dirty for the next cycle, not retried here
      await following;
      if (!fenced && !pushStopped) {
        // a full reconciliation also reads the target and marks what drifted there by hand
        // (enforce-target.ts); a first load has nothing at the target to correct yet
        const reconcile = readOk && fullRead && !firstLoad && targetReconcileDue(row, Boolean(cfg.source.groupDn), cfg.options.fullSyncIntervalSec);
        let reconciled = reconcile;
        const enforce = async (phase: string, step: () => Promise<number>) => {
          try {
            await timed(stats, phase, step);
          } catch (err) {
            if (err instanceof FencedError) throw err;
            reconciled = false;
            const msg = err instanceof Error ? err.message : String(err);
            problems.push(`the target was not reconciled (${phase}): ${msg}`);
            log.warn("reading the target for drift failed; the push goes on", { phase, error: msg });
          }
        };
        if (reconcile) await enforce("target.users", () => enforceUserAttributes(ctx, client));
        if (!following) await timed(stats, "users.push", () => pushUsers(ctx, client));
        // after the users' push, so that users created this cycle count as the members they are
        if (reconcile) await enforce("target.groups", () => enforceGroupMembers(ctx, client));
        await timed(stats, "groups.push", () => pushGroups(ctx, client));
        // a first load leaves the target as Ferry made it: its first reconciliation is due a period later
        if (reconciled || (firstLoad && readOk)) {
          await lease.write((tx) => tx.channel.update({ where: { id: row.id }, data: { lastTargetReconcileAt: new Date(t0) } }));
        }
      }
    } catch (err) {
      pushFailed(err);
    } finally {
      await client.close();
    }
    stats.pushMs = Date.now() - t1;
    stats.scimRequests = client.requests;

    if (stoppedBy && !fenced) {
      const msg = stoppedBy.err instanceof Error ? stoppedBy.err.message : String(stoppedBy.err);
      let left = "";
      try {
        const n = await recordPushStopped(ctx, stoppedBy.err, pushSince);
        left = `; ${n.users} user record(s) and ${n.groups} group record(s) not sent, they stay dirty with this error`;
      } catch (err) {
        if (err instanceof FencedError) fenced = err.message;
        else log.error("could not record the stopped push on the records", { error: (err as Error).message });
      }
      problems.push(`push stopped: ${msg}${left}`);
    }

    if (stats.failed > 0) {
      problems.push(`${stats.failed} record(s) not acknowledged by the target; they stay dirty (${stats.sampleErrors.join("; ")})`);
    }
    if (!fenced) {
      // records refused for themselves wait out their backoff: still the target's refusal, not a success
      const backlog = await recordBacklog(db, row.id).catch(() => null);
      if (backlog) stats.backlog = { dirty: backlog.dirty, failing: backlog.failing };
      if (backlog && backlog.waiting > 0) {
        problems.push(
          `${backlog.waiting} record(s) the target refused wait for their next try (the first at ${backlog.nextAt!.toISOString().replace(/\.\d{3}Z$/, "Z")}); retry now sends them at once`,
        );
      }
    }
    problems.push(...stats.held);
    if (fenced) problems.unshift(fenced);
    const status: TCycleResult["status"] = fenced || !readOk ? "FAILED" : problems.length > 0 ? "PARTIAL" : "SUCCESS";
    const pushedTotal = Object.values(stats.pushed).reduce((a, b) => a + b, 0);
    const message =
      problems.length > 0
        ? problems.join("; ")
        : `${stats.mode} read of ${stats.usersRead} user(s), ${stats.groupsRead} group(s); ${pushedTotal} change(s) pushed${driftNote(stats)}`;

    // the cycle's own history row is written even when fenced; the channel only by the lease holder
    await progress.stop();
    await plog?.close();
    await db.cycle.update({
      where: { id: cycle.id },
      data: { status, finishedAt: new Date(), stats: stats as unknown as object, message },
    });
    let health: THealthChange | undefined;
    if (!fenced) {
      await lease
        .write(async (tx) => {
          const after = await healthAfterCycle(tx, row, cfg.options, {
            status,
            readFailed: !readOk,
            pushStopped: Boolean(stoppedBy),
            fenced: false,
            pushed: pushedTotal,
            failed: stats.failed,
            targetFailed: stats.targetFailed,
            message,
          });
          health = after.change;
          await tx.channel.update({
            where: { id: row.id },
            data: {
              lastCycleAt: new Date(),
              lastCycleStatus: status,
              lastCycleMessage: message,
              // only a clean cycle lets the next scheduled ones be left out while nothing changes
              pollMarker: status === "SUCCESS" ? pollMarkerOf(dirMarker, row) : null,
              ...after.data,
            },
          });
          // the cycle's count rows (one per statement that wrote records) folded into one, for the channel list
          await compactRecordCounts(tx, row.id);
        })
        .catch((err) => {
          if (!(err instanceof FencedError)) throw err;
        });
    }
    if (health && health.previous !== health.current.state) {
      log.warn("channel health changed", { from: health.previous ?? "none", to: health.current.state, reason: health.current.reason });
      await onHealthChange({ channelId: row.id, channelName: row.name, change: health }).catch((err: unknown) =>
        log.error("could not send the health alert", { error: (err as Error).message }),
      );
    }
    observeCycle({ channelId: row.id, status, mode: stats.mode, ms: Date.now() - t0, phases: stats.phases, pushed: stats.pushed, failed: stats.failed, targetFailed: stats.targetFailed });
    log.info("cycle finished", { status, mode: stats.mode, read: stats.usersRead, pushed: pushedTotal, failed: stats.failed, ms: Date.now() - t0 });
    return { cycleId: cycle.id, channelId: row.id, status, message, stats, health: health?.current };
  } finally {
    if (stopOnAbort) options.signal?.removeEventListener("abort", stopOnAbort);
    await progress?.stop();
    await plog?.close();
    if (!fenced) await lease.release().catch(() => undefined);
  }
}

/**
 * Whether this full read also reads the target back for drift: when the periodic
 * reconciliation is due (fullSyncIntervalSec since the last one; never with 0) or after a
 * reset (--reset-attribute-sync, --reset-group-timestamp, changed mapping or options). A
 * full read the directory caused (the provisioning group changed) does not: at 100,000
 * users reading the target costs far more than the read, and the next periodic one comes.
 */
function targetReconcileDue(
  row: { lastTargetReconcileAt: Date | null; attributeSyncTimestamp: string | null; groupTimestamp: string | null },
  groupScope: boolean,
  intervalSec: number,
): boolean {
  if (row.attributeSyncTimestamp === "1" || (groupScope && row.groupTimestamp === null) || !row.lastTargetReconcileAt) return true;
  return intervalSec > 0 && Date.now() - row.lastTargetReconcileAt.getTime() >= intervalSec * 1000;
}

/** What a reconciliation found changed by hand at the target, for the cycle's message. */
function driftNote(stats: TCycleStats): string {
  const { users, groups } = stats.drift;
  if (users + groups === 0) return "";
  return `; set back at the target: ${[users > 0 ? `${users} user(s) edited there` : "", groups > 0 ? `${groups} group(s) whose members were changed there` : ""].filter(Boolean).join(", ")}`;
}
