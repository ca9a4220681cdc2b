// A plan (dry run) of a channel's next cycle: what it would send to the target and what
// the deprovisioning guard would hold — without sending anything or changing the store.
//
// How: the cycle's own read and decide phases (read-users, read-groups, deprovision) run
// unchanged, with every store read and write in ONE PostgreSQL transaction that is always
// rolled back. The plan is then read from that transaction (the records it left dirty,
// their pending actions and values against what the target acknowledged, the holds the
// guard opened) before the rollback. A second rulebook for "what would happen" would
// drift from the real one; this one cannot, since it is the real one.
//
// - Exclusion: the plan takes the channel's lease inside its transaction
//   (Lease.holdForPlan): a running cycle refuses the plan (CYCLE_RUNNING), and a cycle
//   that starts meanwhile waits on the channel row until the plan is over, then starts
//   from the store as it was. Reading under REPEATABLE READ alone would not do: the plan
//   writes rows (upserts) a concurrent cycle writes too, and would plan from a store a
//   cycle is halfway through changing.
// - Nothing is committed: rows, holds and the lease columns come back as they were. Only
//   the id sequences advance (PostgreSQL sequences are not transactional): ids skip.
// - The target is never contacted: drift a full reconciliation would find by reading the
//   target (enforce-target.ts) is not in the plan.
// - A directory read that fails is an error (LDAP_ERROR), never a plan from a partial read.
// - Memory: the read is the cycle's (batches of 500); the plan lists the first `limit`
//   records per action and counts the rest in SQL.
import { readStoredChannel, type TChannelConfig } from "../channel-config/stored.ts";
import { getDb, type TSql } from "../db/index.ts";
import { rawViaPrisma } from "../db/raw.ts";
import { getEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { Directory } from "../ldap/directory.ts";
import { DUE_FOR_PUSH } from "../records/states.ts";
import { logger as rootLogger, type TLogger } from "../log.ts";
import { emptyStats, type TCycleContext, type TStoreWriter } from "../sync/context.ts";
import { decideDeprovisioning } from "../sync/deprovision.ts";
import { Lease } from "../sync/lease.ts";
import { readGroups } from "../sync/read-groups.ts";
import { readUsers } from "../sync/read-users.ts";
import { channelRowData } from "./store-channel-config.ts";

import {
  GROUP_PLAN_ACTIONS,
  USER_PLAN_ACTIONS,
  type TAttributeChange,
  type TGroupPlanAction,
  type TPlan,
  type TPlanGroup,
  type TPlanHold,
  type TPlanUser,
  type TUserPlanAction,
  type TValue,
} from "./plan-view.ts";

export { GROUP_PLAN_ACTIONS, USER_PLAN_ACTIONS };
export type { TAttributeChange, TGroupPlanAction, TPlan, TPlanGroup, TPlanHold, TPlanUser, TUserPlanAction };

/** How long a plan may keep its transaction (and so the channel's lease) open. */
const PLAN_TIMEOUT_MS = 10 * 60_000;
const MEMBER_SAMPLE = 10;

class Rollback extends Error {}

export async function planCycle(options: {
  /** the channel; 0 with `create` */
  channelId: number;
  /**
   * plan the first cycle of a channel not saved yet: its row is inserted inside the
   * plan's transaction (rolled back with the rest; its id is skipped)
   */
  create?: TChannelConfig;
  /** plan a full cycle (the whole scope read), as "run a full cycle now" would run */
  full?: boolean;
  /** records listed per action (1–500, default 50) */
  limit?: number;
  /** plan with this configuration instead of the stored one (an edit before it is saved) */
  config?: Pick<TChannelConfig, "source" | "target" | "mapping" | "options">;
  /** …and the markers its save would reset (store-channel-config.ts markerResets) */
  resets?: { groupTimestamp?: null; lastFullSyncAt?: null; attributeSyncTimestamp?: "1" };
  log?: TLogger;
}): Promise<TPlan> {
  const t0 = Date.now();
  const db = await getDb();
  const row = options.create ? null : await db.channel.findUnique({ where: { id: options.channelId } });
  if (!options.create && !row) throw new AppError("NOT_FOUND", `channel ${options.channelId} does not exist (see provmgr --show-channels)`);
  const cfg = options.config ?? options.create ?? readStoredChannel(row!);
  const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 500);
  const log = (options.log ?? rootLogger).child({ channel: row?.id ?? "new", plan: true });
  let plan: TPlan | undefined;
  try {
    await db.$transaction(
      async (tx) => {
        const id = options.create ? (await tx.channel.create({ data: channelRowData(options.create) })).id : row!.id;
        await Lease.holdForPlan(tx, id, getEnv().FERRY_LEASE_SEC);
        // read again under the lease: a cycle may have finished between the first read and now
        const ch = { ...(await tx.channel.findUniqueOrThrow({ where: { id } })), ...options.resets };
        const usersHeld = (await tx.deprovisionHold.count({ where: { channelId: ch.id, kind: "users", status: { in: ["HELD", "APPROVED"] } } })) > 0;
        const writer: TStoreWriter = { write: (fn) => fn(tx), guard: async () => undefined };
        const stats = emptyStats();
        const ctx: TCycleContext = {
          db: tx,
          raw: rawViaPrisma(tx),
          channel: {
            id: ch.id,
            name: ch.name,
            groupTimestamp: ch.groupTimestamp,
            attributeSyncTimestamp: ch.attributeSyncTimestamp,
            lastFullSyncAt: ch.lastFullSyncAt,
            usersHeld,
            changeFeed: ch.changeFeed,
            changeCookie: ch.changeCookie,
            forceFull: options.full ? "full cycle asked for" : undefined,
          },
          cfg,
          log,
          stats,
          lease: writer,
          dryRun: true,
        };
        let dir: Directory | undefined;
        try {
          dir = await Directory.open(cfg.source);
          const d = dir;
          const outcome = await readUsers(ctx, d);
          await readGroups(ctx, d, ch.attributeSyncTimestamp === "1", outcome.full && cfg.options.nestedGroups === "flatten");
        } catch (err) {
          if (err instanceof AppError && err.code !== "LDAP_ERROR") throw err;
          const msg = err instanceof Error ? err.message : String(err);
          throw new AppError("LDAP_ERROR", `the directory read failed, so there is no plan (a partial read is never planned from): ${msg}`, undefined, { cause: err });
        } finally {
          await dir?.close();
        }
        // the guard as the cycle runs it; cycle 0: no cycle row is written
        await decideDeprovisioning(ctx, 0n);

        const removeInactive = cfg.options.deprovisionedMemberships === "remove";
        const [users, groups, held] = [await planUsers(tx, ch.id, limit), await planGroups(tx, ch.id, limit, removeInactive), await planHolds(tx, ch.id, limit)];
        plan = {
          channelId: ch.id,
          channelName: ch.name,
          mode: stats.mode,
          reasons: stats.reasons,
          usersRead: stats.usersRead,
          groupsRead: stats.groupsRead,
          limit,
          counts: { users: users.counts, groups: groups.counts },
          waiting: { users: users.waiting, groups: groups.waiting },
          held,
          items: { users: users.items, groups: groups.items },
          plannedAt: new Date(t0),
          ms: 0,
        };
        // the plan is read; nothing of it may stay
        throw new Rollback("plan rolled back");
      },
      { timeout: PLAN_TIMEOUT_MS, maxWait: 10_000 },
    );
  } catch (err) {
    if (!(err instanceof Rollback)) throw err;
  }
  if (!plan) throw new AppError("INTERNAL", "the plan was not made");
  plan.ms = Date.now() - t0;
  log.info("plan made", { mode: plan.mode, ms: plan.ms });
  return plan;
}

// ---- reading the plan from the transaction ------------------------------------------


function emptyCounts<T extends string>(keys: readonly T[]): Record<T, number> {
  return Object.fromEntries(keys.map((k) => [k, 0])) as Record<T, number>;
}
function emptyLists<T extends string, I>(keys: readonly T[]): Record<T, I[]> {
  return Object.fromEntries(keys.map((k) => [k, [] as I[]])) as Record<T, I[]>;
}

type TFlat = Record<string, TValue>;

/**
 * The attributes a pending push changes, against what the target acknowledged: the
 * mapped values as push-users.ts compares them (patchOps: changed or added, and removed
 * ones, userName never), and `active` against the state the target holds.
 */
export function attributeChanges(action: string, pending: TFlat | null, pushed: TFlat | null, targetState: string): TAttributeChange[] {
  const wasActive = targetState === "ABSENT" ? null : targetState === "ACTIVE";
  if (action === "DISABLE") return [{ attribute: "active", from: wasActive, to: false }];
  if (action === "DELETE" || !pending) return [];
  const { active, ...values } = pending;
  const before = action === "CREATE" ? null : pushed;
  const out: TAttributeChange[] = [];
  for (const [attribute, to] of Object.entries(values)) {
    const from = before?.[attribute] ?? null;
    if (before && from === to) continue;
    out.push({ attribute, from, to });
  }
  if (before) for (const [attribute, from] of Object.entries(before)) if (!(attribute in values) && attribute !== "userName") out.push({ attribute, from, to: null });
  const isActive = typeof active === "boolean" ? active : true;
  if (action === "CREATE" || wasActive !== isActive) out.push({ attribute: "active", from: action === "CREATE" ? null : wasActive, to: isActive });
  return out;
}

async function planUsers(tx: TSql, channelId: number, limit: number) {
  const counts = emptyCounts(USER_PLAN_ACTIONS);
  const items = emptyLists<TUserPlanAction, TPlanUser>(USER_PLAN_ACTIONS);
  const rows = await tx.$queryRawUnsafe<Array<{ action: string; due: bigint; waiting: bigint }>>(
    `SELECT lower(pending_action::text) AS action,
       count(*) FILTER (WHERE next_attempt_at IS NULL OR next_attempt_at <= now()) AS due,
       count(*) FILTER (WHERE next_attempt_at > now()) AS waiting
     FROM user_record WHERE channel_id = $1 AND dirty AND pending_action <> 'NONE' GROUP BY 1`,
    channelId,
  );
  let waiting = 0;
  for (const r of rows) {
    waiting += Number(r.waiting);
    if (r.action in counts) counts[r.action as TUserPlanAction] = Number(r.due);
  }
  const listed = await tx.$queryRawUnsafe<
    Array<{ id: bigint; dn: string; userName: string | null; action: string; pending: TFlat | null; pushed: TFlat | null; targetState: string; now: boolean; lastError: string | null }>
  >(
    `SELECT id, dn, "userName", action, pending, pushed, "targetState", now, "lastError" FROM (
       SELECT id, dn, provider_name AS "userName", lower(pending_action::text) AS action, pending_values AS pending, pushed_values AS pushed,
         target_state::text AS "targetState",
         updated_at >= now() - interval '1 millisecond' AS now, last_error AS "lastError", row_number() OVER (PARTITION BY pending_action ORDER BY id) AS n
       FROM user_record WHERE channel_id = $1 AND ${DUE_FOR_PUSH}) r
     WHERE n <= $2 ORDER BY action, id`,
    channelId,
    limit,
  );
  for (const r of listed) {
    if (!(r.action in items)) continue;
    items[r.action as TUserPlanAction].push({
      id: r.id.toString(),
      dn: r.dn,
      userName: r.userName,
      changes: attributeChanges(r.action.toUpperCase(), r.pending, r.pushed, r.targetState),
      carriedOver: !r.now,
      lastError: r.lastError,
    });
  }
  return { counts, items, waiting };
}

/**
 * Where each user will stand at the target after the next cycle's user push (which runs
 * before the groups'): SQL over user_record `u`, the expressions the group diff uses.
 */
const U_DUE = `(u.dirty AND (u.next_attempt_at IS NULL OR u.next_attempt_at <= now()))`;
const U_PRESENT = `CASE WHEN ${U_DUE} AND u.pending_action = 'CREATE' THEN true WHEN ${U_DUE} AND u.pending_action = 'DELETE' THEN false
  ELSE u.target_state <> 'ABSENT' AND u.scim_id IS NOT NULL END`;
const U_INACTIVE = `CASE WHEN ${U_DUE} AND u.pending_action = 'DISABLE' THEN true
  WHEN ${U_DUE} AND u.pending_action IN ('CREATE', 'ENABLE', 'UPDATE') AND u.pending_values ? 'active' THEN NOT (u.pending_values->>'active')::boolean
  ELSE u.target_state = 'INACTIVE' END`;

/**
 * Groups: what the group push would do. Candidates are the groups due (dirty) and the
 * provisioned groups naming a user the user push adds to or takes from the target (or,
 * with deprovisionedMemberships remove, disables or enables): the push marks those too.
 * Members are compared as push-groups.ts does: the users a group should hold
 * (desiredMembers, projected past the user push) against what the target acknowledged
 * (group_member).
 */
function groupDiffSql(): string {
  return `WITH moved AS (
      SELECT coalesce(array_agg(lower(u.dn)), '{}') AS dns FROM user_record u
      WHERE u.channel_id = $1 AND ${U_DUE}
        AND (u.pending_action IN ('CREATE', 'DELETE') OR ($2::boolean AND u.pending_action IN ('ENABLE', 'DISABLE')))
    ), cand AS (
      SELECT g.* FROM group_record g, moved m
      WHERE g.channel_id = $1 AND (g.next_attempt_at IS NULL OR g.next_attempt_at <= now())
        AND ((g.dirty AND g.pending_action <> 'NONE')
          OR (g.target_state <> 'ABSENT' AND g.source_state = 'IN_SCOPE' AND g.member_dns && m.dns))
    ), diff AS (
      SELECT g.id, g.dn, coalesce(g.pending_values->>'displayName', g.provider_name) AS name, g.pushed_values->>'displayName' AS acked,
        g.pending_action::text AS action, g.scim_id IS NULL OR g.target_state = 'ABSENT' AS absent, g.updated_at >= now() - interval '1 millisecond' AS now,
        d.adds, d.removes
      FROM cand g LEFT JOIN LATERAL (
        SELECT
          (SELECT count(*) FROM user_record u WHERE u.channel_id = $1 AND lower(u.dn) = ANY(g.member_dns) AND ${U_PRESENT} AND NOT ($2::boolean AND ${U_INACTIVE})
             AND NOT EXISTS (SELECT 1 FROM group_member gm WHERE gm.group_id = g.id AND gm.user_id = u.id)) AS adds,
          (SELECT count(*) FROM group_member gm JOIN user_record u ON u.id = gm.user_id
             WHERE gm.group_id = g.id AND u.scim_id IS NOT NULL AND NOT (${U_DUE} AND u.pending_action = 'DELETE')
               AND NOT (lower(u.dn) = ANY(g.member_dns) AND ${U_PRESENT} AND NOT ($2::boolean AND ${U_INACTIVE}))) AS removes
      ) d ON g.pending_action <> 'DELETE'
    ), cats AS (
      SELECT 'delete' AS cat, * FROM diff WHERE action = 'DELETE'
      UNION ALL SELECT 'create', * FROM diff WHERE action <> 'DELETE' AND absent
      UNION ALL SELECT 'rename', * FROM diff WHERE action <> 'DELETE' AND NOT absent AND acked IS DISTINCT FROM name
      UNION ALL SELECT 'members', * FROM diff WHERE action <> 'DELETE' AND NOT absent AND adds + removes > 0
    )`;
}

async function planGroups(tx: TSql, channelId: number, limit: number, removeInactive: boolean) {
  const counts = emptyCounts(GROUP_PLAN_ACTIONS);
  const items = emptyLists<TGroupPlanAction, TPlanGroup>(GROUP_PLAN_ACTIONS);
  const [w] = await tx.$queryRawUnsafe<Array<{ waiting: bigint }>>(
    `SELECT count(*) AS waiting FROM group_record WHERE channel_id = $1 AND dirty AND pending_action <> 'NONE' AND next_attempt_at > now()`,
    channelId,
  );
  for (const r of await tx.$queryRawUnsafe<Array<{ cat: string; n: bigint }>>(`${groupDiffSql()} SELECT cat, count(*) AS n FROM cats GROUP BY cat`, channelId, removeInactive)) {
    if (r.cat in counts) counts[r.cat as TGroupPlanAction] = Number(r.n);
  }
  const listed = await tx.$queryRawUnsafe<
    Array<{ cat: string; id: bigint; dn: string; name: string | null; acked: string | null; now: boolean; adds: bigint | null; removes: bigint | null; addNames: string[] | null; removeNames: string[] | null }>
  >(
    `${groupDiffSql()}
     SELECT c.cat, c.id, c.dn, c.name, c.acked, c.now, c.adds, c.removes,
       CASE WHEN c.action <> 'DELETE' THEN ARRAY(SELECT coalesce(u.provider_name, u.dn) FROM group_record g JOIN user_record u
         ON u.channel_id = $1 AND lower(u.dn) = ANY(g.member_dns)
         WHERE g.id = c.id AND ${U_PRESENT} AND NOT ($2::boolean AND ${U_INACTIVE})
           AND NOT EXISTS (SELECT 1 FROM group_member gm WHERE gm.group_id = g.id AND gm.user_id = u.id) ORDER BY 1 LIMIT ${MEMBER_SAMPLE}) END AS "addNames",
       CASE WHEN c.action <> 'DELETE' THEN ARRAY(SELECT coalesce(u.provider_name, u.dn) FROM group_record g JOIN group_member gm ON gm.group_id = g.id
         JOIN user_record u ON u.id = gm.user_id
         WHERE g.id = c.id AND u.scim_id IS NOT NULL AND NOT (${U_DUE} AND u.pending_action = 'DELETE')
           AND NOT (lower(u.dn) = ANY(g.member_dns) AND ${U_PRESENT} AND NOT ($2::boolean AND ${U_INACTIVE})) ORDER BY 1 LIMIT ${MEMBER_SAMPLE}) END AS "removeNames"
     FROM (SELECT *, row_number() OVER (PARTITION BY cat ORDER BY id) AS n FROM cats) c
     WHERE c.n <= $3 ORDER BY c.cat, c.id`,
    channelId,
    removeInactive,
    limit,
  );
  for (const r of listed) {
    if (!(r.cat in items)) continue;
    items[r.cat as TGroupPlanAction].push({
      id: r.id.toString(),
      dn: r.dn,
      displayName: r.name,
      ackedName: r.acked,
      add: { count: Number(r.adds ?? 0), sample: r.addNames ?? [] },
      remove: { count: Number(r.removes ?? 0), sample: r.removeNames ?? [] },
      carriedOver: !r.now,
    });
  }
  return { counts, items, waiting: Number(w?.waiting ?? 0) };
}

/** The holds open after the guard ran: new ones (the next cycle would open them) and ones open already. */
async function planHolds(tx: TSql, channelId: number, limit: number): Promise<TPlanHold[]> {
  const holds = await tx.$queryRawUnsafe<Array<{ id: bigint; kind: string; status: "HELD" | "APPROVED"; rule: string; reason: string; count: number; base: number; isNew: boolean }>>(
    `SELECT id, kind, status::text AS status, rule, reason, count, base, created_at >= now() - interval '1 millisecond' AS "isNew"
     FROM deprovision_hold WHERE channel_id = $1 AND status IN ('HELD', 'APPROVED') ORDER BY id`,
    channelId,
  );
  const out: TPlanHold[] = [];
  for (const h of holds) {
    const table = h.kind === "groups" ? "group_record" : "user_record";
    const sample = await tx.$queryRawUnsafe<Array<{ dn: string; name: string | null }>>(
      `SELECT dn, provider_name AS name FROM ${table} WHERE channel_id = $1 AND hold_id = $2 ORDER BY provider_name, id LIMIT $3`,
      channelId,
      h.id,
      limit,
    );
    out.push({ kind: h.kind === "groups" ? "groups" : "users", isNew: h.isNew, status: h.status, rule: h.rule, reason: h.reason, count: h.count, base: h.base, sample });
  }
  return out;
}
