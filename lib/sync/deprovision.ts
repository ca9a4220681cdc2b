// The one step of a cycle that turns "the directory no longer has them" into disabling
// or deleting at the target. Every read path only records what the directory says
// (source_state: DISABLED, OUT_OF_SCOPE, DELETED) and never marks a deprovisioning
// itself; this step, run once per cycle after a read that completed, counts every
// record awaiting deprovisioning — whichever path put it there — checks the count with
// the guard (deprovision-guard.ts) and only then marks them dirty with DISABLE/DELETE.
//
// What the guard refuses is *held*: a deprovision_hold row says why, the records carry
// its id, and nothing is marked. The hold stays open, cycle after cycle (each one
// re-reads the whole scope while a hold is open, run-cycle/read-users), until an
// administrator approves it (decide-deprovisioning.ts: the records it covered are
// released by the next cycle), rejects it (decide-deprovisioning.ts: its records stay at
// the target, left out of every later count, until they come back in the directory or
// the rejected hold is approved after all) or the directory changes back (nothing awaits
// any more: the hold is resolved). It cannot leak out through a later incremental cycle,
// because that cycle's left-scope users go through this same count.
import type { TSql } from "../db/index.ts";
import { closeHold, createHold, deprovisioningOf, openHold, recheckHold, type TOpenHold } from "../records/deprovisioning.ts";
import type { TCycleContext } from "./context.ts";
import { guardDeprovisioning, type TRecordKind } from "./deprovision-guard.ts";

export type TDeprovisionOutcome = { kind: TRecordKind; released: number; held: number; holdId: bigint | null };

/** Runs the guard for users, then groups; each in one transaction under the cycle's lease. */
export async function decideDeprovisioning(ctx: TCycleContext, cycleId: bigint): Promise<TDeprovisionOutcome[]> {
  const out: TDeprovisionOutcome[] = [];
  for (const kind of ["users", "groups"] as const) {
    out.push(await ctx.lease.write((tx) => decideKind(tx, ctx, kind, cycleId)));
  }
  return out;
}

async function decideKind(tx: TSql, ctx: TCycleContext, kind: TRecordKind, cycleId: bigint): Promise<TDeprovisionOutcome> {
  const { channel, cfg, stats, log } = ctx;
  const none: TDeprovisionOutcome = { kind, released: 0, held: 0, holdId: null };
  const { open, rejected } = await openHold(tx, channel.id, kind);
  const records = deprovisioningOf(tx, channel.id, kind, cfg.options);
  if (!records) {
    if (open) await closeHold(tx, open.id, "RESOLVED", `deprovisioning of ${kind} was switched off for the channel`);
    return none;
  }
  if (rejected) {
    // what a rejection keeps is left out of every count below; what came back is let go
    await records.unstamp();
    const kept = await records.settleRejected();
    if (kept > 0) log.info("deprovisioning rejected by an administrator: kept at the target", { kind, kept });
  }
  const counts = await records.count(open?.status === "APPROVED" ? open.id : null);

  if (counts.awaiting === 0) {
    if (open) {
      await records.unstamp();
      await closeHold(tx, open.id, "RESOLVED", `nothing left to deprovision: the directory or the channel changed back`);
      log.info("deprovisioning hold resolved", { kind, hold: String(open.id) });
    }
    return none;
  }

  const { base, inScope } = await records.base();
  const verdict = guardDeprovisioning({ kind, awaiting: counts.awaiting, approved: counts.approved, base, inScope: inScope ? 1 : 0, options: cfg.options });

  if (verdict.verdict === "nothing") return none;
  if (verdict.verdict === "release") {
    const released = await records.release(null);
    await records.unstamp();
    if (open) {
      await closeHold(
        tx,
        open.id,
        open.status === "APPROVED" ? "RELEASED" : "RESOLVED",
        open.status === "APPROVED" ? `approved: ${released} ${kind} released` : `within the channel's limits now: ${released} ${kind} released`,
      );
    }
    noteReleased(ctx, kind, released);
    return { kind, released, held: 0, holdId: null };
  }

  // hold: what was approved goes all the same, the rest waits for an approval
  let released = 0;
  let hold: TOpenHold | undefined = open;
  if (open?.status === "APPROVED") {
    released = verdict.releaseApproved > 0 ? await records.release(open.id) : 0;
    await closeHold(tx, open.id, released > 0 ? "RELEASED" : "RESOLVED", released > 0 ? `approved: ${released} ${kind} released` : "the approved records no longer await deprovisioning");
    hold = undefined;
  }
  const facts = { rule: verdict.rule, reason: verdict.reason, count: verdict.held, base, cycleId };
  let holdId: bigint;
  if (hold) {
    holdId = hold.id;
    await recheckHold(tx, hold.id, facts);
  } else {
    holdId = await createHold(tx, channel.id, kind, facts);
  }
  await records.unstamp();
  await records.stamp(holdId);
  noteReleased(ctx, kind, released);
  stats.heldBack[kind] = verdict.held;
  const msg = `${verdict.reason}; ${verdict.held} ${kind === "users" ? "deprovisioning(s)" : "group deletion(s)"} held for approval (hold #${holdId})${
    released > 0 ? `, ${released} approved released` : ", nothing deprovisioned"
  }`;
  stats.held.push(msg);
  log.warn("deprovisioning held", { kind, hold: String(holdId), rule: verdict.rule, held: verdict.held, reason: verdict.reason });
  return { kind, released, held: verdict.held, holdId };
}

function noteReleased(ctx: TCycleContext, kind: TRecordKind, n: number): void {
  if (n === 0) return;
  ctx.stats.released[kind] += n;
  if (kind === "users") ctx.stats.usersMarkedDirty += n;
  else ctx.stats.groupsMarkedDirty += n;
}
