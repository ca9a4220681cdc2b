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
// administrator approves it (approve-deprovisioning.ts: the records it covered are
// released by the next cycle) or the directory changes back (nothing awaits any more:
// the hold is resolved). It cannot leak out through a later incremental cycle, because
// that cycle's left-scope users go through this same count.
import type { TOptions } from "../channel-config/config.ts";
import type { TCycleContext } from "./context.ts";
import { guardDeprovisioning, type TRecordKind } from "./deprovision-guard.ts";
import type { TSql } from "./lease.ts";

type TRules = {
  table: "user_record" | "group_record";
  /** SQL: records of channel $1 awaiting deprovisioning (parameters from $2 on: `params`) */
  awaiting: string;
  params: unknown[];
  /** SQL: the action a released record gets */
  action: string;
  /** SQL: records at the target the percentage is taken of */
  base: string;
};

/**
 * Which records await deprovisioning, and what releasing them means, per record kind.
 * Users: gone from the scope, deleted or disabled in the directory, still present at the
 * target in a form the Remove User Action changes (active, or present at all when users
 * are deleted), and not released already. Disabled users stay at the target, inactive,
 * when the channel provisions disabled users: being disabled is then no reason to delete.
 */
function rulesFor(kind: TRecordKind, options: TOptions): TRules | null {
  if (kind === "users") {
    if (!options.deprovisionUsers) return null;
    const del = options.removeUserAction === "delete";
    return {
      table: "user_record",
      awaiting: `channel_id = $1 AND source_state <> 'IN_SCOPE' AND target_state <> 'ABSENT'
        AND (target_state = 'ACTIVE' OR ($2::boolean AND NOT (source_state = 'DISABLED' AND $3::boolean)))
        AND NOT (dirty AND pending_action IN ('DISABLE', 'DELETE'))`,
      params: [del, options.provisionDisabledUsers],
      action: `CASE WHEN $2::boolean AND NOT (source_state = 'DISABLED' AND $3::boolean) THEN 'DELETE' ELSE 'DISABLE' END::"RecordAction"`,
      base: del ? `target_state <> 'ABSENT'` : `target_state = 'ACTIVE'`,
    };
  }
  if (!options.provisionGroups) return null;
  return {
    table: "group_record",
    awaiting: `channel_id = $1 AND source_state <> 'IN_SCOPE' AND target_state <> 'ABSENT' AND NOT (dirty AND pending_action = 'DELETE')`,
    params: [],
    action: `'DELETE'::"RecordAction"`,
    base: `target_state <> 'ABSENT'`,
  };
}

type TOpenHold = { id: bigint; status: "HELD" | "APPROVED"; count: number };

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
  const [open] = await tx.$queryRawUnsafe<TOpenHold[]>(
    `SELECT id, status::text AS status, count FROM deprovision_hold
     WHERE channel_id = $1 AND kind = $2 AND status IN ('HELD', 'APPROVED') FOR UPDATE`,
    channel.id,
    kind,
  );
  const rules = rulesFor(kind, cfg.options);
  if (!rules) {
    if (open) await closeHold(tx, open.id, "RESOLVED", `deprovisioning of ${kind} was switched off for the channel`);
    return none;
  }
  const { table, awaiting, params } = rules;
  const approvedId = open?.status === "APPROVED" ? open.id : null;
  const [counts] = await tx.$queryRawUnsafe<Array<{ awaiting: bigint; approved: bigint }>>(
    `SELECT count(*) AS awaiting, count(*) FILTER (WHERE hold_id = $${params.length + 2}) AS approved FROM ${table} WHERE ${awaiting}`,
    channel.id,
    ...params,
    approvedId,
  );
  const awaitingCount = Number(counts?.awaiting ?? 0);
  // a record that no longer awaits (back in scope, released) is no longer covered by a hold
  const unstamp = () =>
    tx.$executeRawUnsafe(
      `UPDATE ${table} SET hold_id = NULL WHERE channel_id = $1 AND hold_id IS NOT NULL AND NOT (${awaiting})`,
      channel.id,
      ...params,
    );

  if (awaitingCount === 0) {
    if (open) {
      await unstamp();
      await closeHold(tx, open.id, "RESOLVED", `nothing left to deprovision: the directory or the channel changed back`);
      log.info("deprovisioning hold resolved", { kind, hold: String(open.id) });
    }
    return none;
  }

  const [ctr] = await tx.$queryRawUnsafe<Array<{ base: bigint; in_scope: boolean }>>(
    `SELECT (SELECT count(*) FROM ${table} WHERE channel_id = $1 AND ${rules.base}) AS base,
            EXISTS (SELECT 1 FROM ${table} WHERE channel_id = $1 AND source_state = 'IN_SCOPE') AS in_scope`,
    channel.id,
  );
  const verdict = guardDeprovisioning({
    kind,
    awaiting: awaitingCount,
    approved: Number(counts?.approved ?? 0),
    base: Number(ctr?.base ?? 0),
    inScope: ctr?.in_scope ? 1 : 0,
    options: cfg.options,
  });

  const release = async (onlyHold: bigint | null): Promise<number> =>
    tx.$executeRawUnsafe(
      `UPDATE ${table} SET dirty = true, pending_action = ${rules.action}, pending_values = NULL,
         ${table === "user_record" ? "pending_hash = NULL," : ""} hold_id = NULL, updated_at = now()
       WHERE ${awaiting}${onlyHold !== null ? ` AND hold_id = $${params.length + 2}` : ""}`,
      channel.id,
      ...params,
      ...(onlyHold !== null ? [onlyHold] : []),
    );

  if (verdict.verdict === "nothing") return none;
  if (verdict.verdict === "release") {
    const released = await release(null);
    await unstamp();
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
    released = verdict.releaseApproved > 0 ? await release(open.id) : 0;
    await closeHold(tx, open.id, released > 0 ? "RELEASED" : "RESOLVED", released > 0 ? `approved: ${released} ${kind} released` : "the approved records no longer await deprovisioning");
    hold = undefined;
  }
  let holdId: bigint;
  if (hold) {
    holdId = hold.id;
    await tx.$executeRawUnsafe(
      `UPDATE deprovision_hold SET rule = $2, reason = $3, count = $4, base = $5, cycle_id = $6, checked_at = now() WHERE id = $1`,
      hold.id,
      verdict.rule,
      verdict.reason,
      verdict.held,
      Number(ctr?.base ?? 0),
      cycleId,
    );
  } else {
    const [created] = await tx.$queryRawUnsafe<Array<{ id: bigint }>>(
      `INSERT INTO deprovision_hold (channel_id, kind, rule, reason, count, base, cycle_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      channel.id,
      kind,
      verdict.rule,
      verdict.reason,
      verdict.held,
      Number(ctr?.base ?? 0),
      cycleId,
    );
    holdId = created!.id;
  }
  await unstamp();
  await tx.$executeRawUnsafe(
    `UPDATE ${table} SET hold_id = $${params.length + 2} WHERE ${awaiting} AND hold_id IS DISTINCT FROM $${params.length + 2}`,
    channel.id,
    ...params,
    holdId,
  );
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

async function closeHold(tx: TSql, id: bigint, status: "RELEASED" | "RESOLVED", outcome: string): Promise<void> {
  await tx.$executeRawUnsafe(
    `UPDATE deprovision_hold SET status = $2::"HoldStatus", outcome = $3, closed_at = now(), checked_at = now() WHERE id = $1`,
    id,
    status,
    outcome,
  );
}
