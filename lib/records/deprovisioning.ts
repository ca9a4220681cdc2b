// The statements of the deprovisioning step (lib/sync/deprovision.ts), for both record
// kinds: which records await deprovisioning, how many the target holds, releasing them
// (the only statement that marks DISABLE or DELETE), and the holds that keep them back.
// The predicate is one SQL text per kind, held to the rulebook (lib/sync/decide.ts:
// deprovisionAction) by test/integration/deprovision-guard.test.ts.
import type { TOptions } from "../channel-config/config.ts";
import type { TSql } from "../db/index.ts";
import type { TRecordKind } from "./states.ts";

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
 * Which records await deprovisioning, and what releasing them means, per record kind;
 * null when the channel deprovisions nothing of that kind. Users: gone from the scope,
 * deleted or disabled in the directory, still present at the target in a form the Remove
 * User Action changes (active, or present at all when users are deleted), and not
 * released already. Disabled users stay at the target, inactive, when the channel
 * provisions disabled users: being disabled is then no reason to delete them.
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

export type TOpenHold = { id: bigint; status: "HELD" | "APPROVED"; count: number };

/** The statements for one channel and record kind, or null when it deprovisions nothing of that kind. */
export function deprovisioningOf(db: TSql, channelId: number, kind: TRecordKind, options: TOptions) {
  const rules = rulesFor(kind, options);
  if (!rules) return null;
  const { table, params } = rules;
  /**
   * Gone from the directory and still at the target, whatever an administrator said:
   * a record that is no longer so is no longer covered by any hold (unstamp).
   */
  const pending = rules.awaiting;
  /** pending, and not kept at the target by a hold an administrator rejected */
  const awaiting = `${pending} AND (hold_id IS NULL OR hold_id NOT IN (SELECT id FROM deprovision_hold WHERE channel_id = $1 AND status = 'REJECTED'))`;
  /** the placeholder after the rule's own parameters */
  const next = `$${params.length + 2}`;
  return {
    /** records awaiting deprovisioning, and how many of them an approved hold covers */
    async count(approvedHold: bigint | null): Promise<{ awaiting: number; approved: number }> {
      const [c] = await db.$queryRawUnsafe<Array<{ awaiting: bigint; approved: bigint }>>(
        `SELECT count(*) AS awaiting, count(*) FILTER (WHERE hold_id = ${next}) AS approved FROM ${table} WHERE ${awaiting}`,
        channelId,
        ...params,
        approvedHold,
      );
      return { awaiting: Number(c?.awaiting ?? 0), approved: Number(c?.approved ?? 0) };
    },
    /** records at the target the percentage is taken of, and whether any record is still in scope */
    async base(): Promise<{ base: number; inScope: boolean }> {
      const [c] = await db.$queryRawUnsafe<Array<{ base: bigint; in_scope: boolean }>>(
        `SELECT (SELECT count(*) FROM ${table} WHERE channel_id = $1 AND ${rules.base}) AS base,
                EXISTS (SELECT 1 FROM ${table} WHERE channel_id = $1 AND source_state = 'IN_SCOPE') AS in_scope`,
        channelId,
      );
      return { base: Number(c?.base ?? 0), inScope: Boolean(c?.in_scope) };
    },
    /** marks the awaiting records (only those of `hold`, if given) for deprovisioning: the one statement that does */
    release(hold: bigint | null): Promise<number> {
      return db.$executeRawUnsafe(
        `UPDATE ${table} SET dirty = true, pending_action = ${rules.action}, pending_values = NULL,
           ${table === "user_record" ? "pending_hash = NULL," : ""} hold_id = NULL, updated_at = now()
         WHERE ${awaiting}${hold !== null ? ` AND hold_id = ${next}` : ""}`,
        channelId,
        ...params,
        ...(hold !== null ? [hold] : []),
      );
    },
    /** the awaiting records now carry this hold */
    stamp(hold: bigint): Promise<number> {
      return db.$executeRawUnsafe(
        `UPDATE ${table} SET hold_id = ${next} WHERE ${awaiting} AND hold_id IS DISTINCT FROM ${next}`,
        channelId,
        ...params,
        hold,
      );
    },
    /** a record that no longer awaits (back in scope, released) is no longer covered by a hold */
    unstamp(): Promise<number> {
      return db.$executeRawUnsafe(`UPDATE ${table} SET hold_id = NULL WHERE channel_id = $1 AND hold_id IS NOT NULL AND NOT (${pending})`, channelId, ...params);
    },
    /**
     * Rejected holds of this kind, after unstamp: each counts the records it still keeps;
     * one that keeps none (they all came back, or the target lost them) is resolved.
     * Returns how many records rejected holds still keep.
     */
    async settleRejected(): Promise<number> {
      const rows = await db.$queryRawUnsafe<Array<{ kept: number }>>(
        `UPDATE deprovision_hold h SET count = k.kept, checked_at = now(),
           status = CASE WHEN k.kept = 0 THEN 'RESOLVED'::"HoldStatus" ELSE h.status END,
           closed_at = CASE WHEN k.kept = 0 THEN now() ELSE h.closed_at END,
           outcome = CASE WHEN k.kept = 0 THEN 'rejected by ' || coalesce(h.rejected_by, 'an administrator') || '; every record it kept came back or left the target' ELSE h.outcome END
         FROM (SELECT r.id, (SELECT count(*)::int FROM ${table} WHERE channel_id = $1 AND hold_id = r.id) AS kept
               FROM deprovision_hold r WHERE r.channel_id = $1 AND r.kind = $2 AND r.status = 'REJECTED') k
         WHERE h.id = k.id
         RETURNING k.kept`,
        channelId,
        kind,
      );
      return rows.reduce((n, r) => n + r.kept, 0);
    },
  };
}

// ---- the holds themselves ------------------------------------------------------------

/**
 * The open hold (HELD or APPROVED) of a channel and kind, and whether rejected ones keep
 * records at the target; all of them locked for this transaction.
 */
export async function openHold(db: TSql, channelId: number, kind: TRecordKind): Promise<{ open: TOpenHold | undefined; rejected: boolean }> {
  const rows = await db.$queryRawUnsafe<Array<{ id: bigint; status: TOpenHold["status"] | "REJECTED"; count: number }>>(
    `SELECT id, status::text AS status, count FROM deprovision_hold WHERE channel_id = $1 AND kind = $2 AND status IN ('HELD', 'APPROVED', 'REJECTED') FOR UPDATE`,
    channelId,
    kind,
  );
  const open = rows.find((h): h is TOpenHold => h.status !== "REJECTED");
  return { open, rejected: rows.some((h) => h.status === "REJECTED") };
}

export type THoldFacts = { rule: string; reason: string; count: number; base: number; cycleId: bigint };

export async function createHold(db: TSql, channelId: number, kind: TRecordKind, f: THoldFacts): Promise<bigint> {
  const [created] = await db.$queryRawUnsafe<Array<{ id: bigint }>>(
    `INSERT INTO deprovision_hold (channel_id, kind, rule, reason, count, base, cycle_id) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
    channelId,
    kind,
    f.rule,
    f.reason,
    f.count,
    f.base,
    f.cycleId,
  );
  return created!.id;
}

/** The hold as this cycle found it again. */
export async function recheckHold(db: TSql, id: bigint, f: THoldFacts): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE deprovision_hold SET rule = $2, reason = $3, count = $4, base = $5, cycle_id = $6, checked_at = now() WHERE id = $1`,
    id,
    f.rule,
    f.reason,
    f.count,
    f.base,
    f.cycleId,
  );
}

export async function closeHold(db: TSql, id: bigint, status: "RELEASED" | "RESOLVED", outcome: string): Promise<void> {
  await db.$executeRawUnsafe(
    `UPDATE deprovision_hold SET status = $2::"HoldStatus", outcome = $3, closed_at = now(), checked_at = now() WHERE id = $1`,
    id,
    status,
    outcome,
  );
}
