// Group records: every write of a group record's state lives here, as user-records.ts
// does for users — what a directory read found, what the target acknowledged (with the
// membership it holds), groups whose members must be sent again, and the operators'
// repairs. The deprovisioning guard's statements are deprovisioning.ts.
import type { TSql } from "../db/index.ts";
import { DUE_FOR_PUSH, type TSourceState, type TTargetState } from "./states.ts";

// ---- what a directory read found ---------------------------------------------------

export type TGroupRow = {
  id: bigint;
  guid: string;
  dn: string;
  ldapTimestamp: string | null;
  sourceState: TSourceState;
  targetState: TTargetState;
  providerName: string | null;
  memberDns: string[];
  pushedValues: { displayName?: string; externalId?: string } | null;
  dirty: boolean;
};

/** What the listing of the groups in scope compares with: every group record of the channel, without its members. */
export type TGroupListed = Pick<TGroupRow, "id" | "guid" | "dn" | "ldapTimestamp" | "sourceState" | "targetState" | "dirty">;

/**
 * Every group record of the channel, for the read's comparison (a channel holds hundreds
 * to tens of thousands of groups): the columns the listing decides by, not the members,
 * which every cycle would otherwise move for every group (100,000 DNs at 1,000 groups of
 * 100) to compare the few that changed.
 */
export async function loadGroups(db: TSql, channelId: number): Promise<TGroupListed[]> {
  return db.$queryRawUnsafe<TGroupListed[]>(
    `SELECT id, guid, dn, ldap_timestamp AS "ldapTimestamp", source_state::text AS "sourceState", target_state::text AS "targetState", dirty
     FROM group_record WHERE channel_id = $1`,
    channelId,
  );
}

/** The whole records of these groups (members and pushed values too): the groups the listing found new or changed. */
export async function loadGroupsByGuid(db: TSql, channelId: number, guids: string[]): Promise<Map<string, TGroupRow>> {
  if (guids.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<TGroupRow[]>(
    `SELECT id, guid, dn, ldap_timestamp AS "ldapTimestamp", source_state::text AS "sourceState", target_state::text AS "targetState",
       provider_name AS "providerName", member_dns AS "memberDns", pushed_values AS "pushedValues", dirty
     FROM group_record WHERE channel_id = $1 AND guid = ANY($2::text[])`,
    channelId,
    guids,
  );
  return new Map(rows.map((r) => [r.guid, r]));
}

export type TGroupUpsert = {
  guid: string;
  dn: string;
  provider_name: string;
  ldap_timestamp: string | null;
  member_dns: string[];
  ldap_attributes: unknown;
  dirty: boolean;
  pending_action: string;
  pending_values: unknown;
};

/**
 * Inserts or updates a batch of groups read in scope, in one statement (rows travel as
 * one JSON array: member lists differ in length). A pending action already waiting is
 * kept unless the read decided a new one.
 */
export async function writeGroupsRead(db: TSql, channelId: number, rows: TGroupUpsert[]): Promise<void> {
  if (rows.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO group_record (channel_id, guid, dn, provider_name, ldap_timestamp, source_state, member_dns, ldap_attributes,
       dirty, pending_action, pending_values, updated_at)
     SELECT $1, r.guid, r.dn, r.provider_name, r.ldap_timestamp, 'IN_SCOPE', r.member_dns, r.ldap_attributes,
       r.dirty, r.pending_action::"RecordAction", r.pending_values, now()
     FROM jsonb_to_recordset($2::jsonb) AS r(guid text, dn text, provider_name text, ldap_timestamp text, member_dns text[],
       ldap_attributes jsonb, dirty boolean, pending_action text, pending_values jsonb)
     ON CONFLICT (channel_id, guid) DO UPDATE SET dn = EXCLUDED.dn, provider_name = EXCLUDED.provider_name,
       ldap_timestamp = EXCLUDED.ldap_timestamp, source_state = 'IN_SCOPE', member_dns = EXCLUDED.member_dns,
       ldap_attributes = EXCLUDED.ldap_attributes,
       dirty = group_record.dirty OR EXCLUDED.dirty,
       pending_action = CASE WHEN EXCLUDED.pending_action <> 'NONE' THEN EXCLUDED.pending_action ELSE group_record.pending_action END,
       -- a group the read found changed is worth trying at once, whatever the backoff
       next_attempt_at = CASE WHEN EXCLUDED.dirty THEN NULL ELSE group_record.next_attempt_at END,
       pending_values = EXCLUDED.pending_values, updated_at = now()`,
    channelId,
    JSON.stringify(rows),
  );
}

/**
 * Groups gone from the scope after a complete listing: never-provisioned ones are
 * forgotten, the others drop what waited and await the deprovisioning step.
 */
export async function markGroupsGone(db: TSql, records: Array<{ id: bigint; targetState: TTargetState }>): Promise<{ forgotten: number; gone: number }> {
  const forget = records.filter((r) => r.targetState === "ABSENT").map((r) => r.id);
  const gone = records.filter((r) => r.targetState !== "ABSENT").map((r) => r.id);
  if (forget.length > 0) await db.$executeRawUnsafe(`DELETE FROM group_record WHERE id = ANY($1::bigint[])`, forget);
  if (gone.length > 0) {
    await db.$executeRawUnsafe(
      `UPDATE group_record SET source_state = 'OUT_OF_SCOPE', dirty = false, pending_action = 'NONE', pending_values = NULL, updated_at = now()
       WHERE id = ANY($1::bigint[])`,
      gone,
    );
  }
  return { forgotten: forget.length, gone: gone.length };
}

/** Groups that name any of these DNs must re-evaluate their membership at the target. */
export async function markGroupsWithMembers(db: TSql, channelId: number, dns: string[]): Promise<number> {
  if (dns.length === 0) return 0;
  return db.$executeRawUnsafe(
    `UPDATE group_record SET dirty = true,
       pending_action = CASE WHEN pending_action = 'NONE' THEN 'UPDATE'::"RecordAction" ELSE pending_action END, updated_at = now()
     WHERE channel_id = $1 AND target_state <> 'ABSENT' AND member_dns && $2::text[]`,
    channelId,
    dns.map((d) => d.toLowerCase()),
  );
}

// ---- the push --------------------------------------------------------------------

export type TDirtyGroup = {
  id: bigint;
  guid: string;
  dn: string;
  scimId: string | null;
  providerName: string | null;
  targetState: string;
  sourceState: string;
  pendingAction: string;
  pendingValues: { displayName?: string; externalId?: string } | null;
  pushedValues: { displayName?: string; externalId?: string } | null;
  resyncMembers: boolean;
  attempts: number;
};

export async function fetchDirtyGroups(db: TSql, channelId: number, afterId: bigint, limit: number): Promise<TDirtyGroup[]> {
  return db.$queryRawUnsafe<TDirtyGroup[]>(
    `SELECT id, guid, dn, scim_id AS "scimId", provider_name AS "providerName", target_state::text AS "targetState",
       source_state::text AS "sourceState", pending_action::text AS "pendingAction", pending_values AS "pendingValues",
       pushed_values AS "pushedValues", resync_members AS "resyncMembers", attempts
     FROM group_record
     WHERE channel_id = $1 AND id > $2 AND ${DUE_FOR_PUSH}
     ORDER BY id LIMIT $3`,
    channelId,
    afterId,
    limit,
  );
}

export type TGroupOutcomes = {
  /** deleted at the target: the record goes */
  deleted: bigint[];
  /** created, renamed or re-membered: the target holds this id, name and these members */
  synced: Array<{ id: bigint; scimId: string; name: string; externalId?: string; memberUserIds: bigint[] }>;
  /** stays dirty with its error, not tried again for retryInSec; its members are read from the target next time */
  failed: Array<{ id: bigint; error: string; retryInSec?: number }>;
};

/** Writes a page of group outcomes, with the membership the target acknowledged. */
export async function applyGroupOutcomes(db: TSql, o: TGroupOutcomes): Promise<void> {
  if (o.deleted.length > 0) await db.$executeRawUnsafe(`DELETE FROM group_record WHERE id = ANY($1::bigint[])`, o.deleted);
  if (o.synced.length > 0) {
    const ids = o.synced.map((s) => s.id);
    await db.$executeRawUnsafe(`DELETE FROM group_member WHERE group_id = ANY($1::bigint[])`, ids);
    await db.$executeRawUnsafe(
      `INSERT INTO group_member (group_id, user_id) SELECT * FROM unnest($1::bigint[], $2::bigint[]) ON CONFLICT DO NOTHING`,
      o.synced.flatMap((s) => s.memberUserIds.map(() => s.id)),
      o.synced.flatMap((s) => s.memberUserIds),
    );
    await db.$executeRawUnsafe(
      `UPDATE group_record r SET scim_id = u.scim_id, target_state = 'ACTIVE', dirty = false, pending_action = 'NONE', pending_values = NULL,
         pushed_values = jsonb_strip_nulls(jsonb_build_object('displayName', u.name, 'externalId', u.external_id)), resync_members = false, last_error = NULL, attempts = 0,
         next_attempt_at = NULL, last_attempt_at = now(), last_synced_at = now(), updated_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[]) AS u(id, scim_id, name, external_id) WHERE r.id = u.id`,
      ids,
      o.synced.map((s) => s.scimId),
      o.synced.map((s) => s.name),
      o.synced.map((s) => s.externalId ?? null),
    );
  }
  if (o.failed.length > 0) {
    await db.$executeRawUnsafe(
      `UPDATE group_record r SET last_error = u.err, attempts = attempts + 1, last_attempt_at = now(), resync_members = true,
         next_attempt_at = CASE WHEN u.wait > 0 THEN now() + make_interval(secs => u.wait) END, updated_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::int[]) AS u(id, err, wait) WHERE r.id = u.id`,
      o.failed.map((f) => f.id),
      o.failed.map((f) => f.error),
      o.failed.map((f) => f.retryInSec ?? 0),
    );
  }
}

/** Groups due in a push that stopped at the target carry its error (those attempted since `since` keep their own). */
export async function noteGroupsPushStopped(db: TSql, channelId: number, error: string, since: Date): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE group_record SET last_error = $2, attempts = attempts + 1, last_attempt_at = now(), updated_at = now()
     WHERE channel_id = $1 AND dirty AND pending_action <> 'NONE' AND (last_attempt_at IS NULL OR last_attempt_at < $3::timestamp(3))`,
    channelId,
    error,
    since,
  );
}

// ---- the directory enforced at the target (lib/sync/enforce-target.ts) ---------------

/**
 * What each group should hold at the target: its member DNs (flattened by the read when
 * options.nestedGroups is flatten) that are users provisioned there, as SCIM id -> user
 * record id. With `removeInactive` (options.deprovisionedMemberships remove), users who
 * are inactive at the target are left out.
 */
export async function desiredMembers(db: TSql, groupIds: bigint[], removeInactive: boolean): Promise<Map<bigint, Map<string, bigint>>> {
  const desired = new Map<bigint, Map<string, bigint>>();
  if (groupIds.length === 0) return desired;
  const rs = await db.$queryRawUnsafe<Array<{ groupId: bigint; id: bigint; scimId: string }>>(
    `SELECT g.id AS "groupId", u.id, u.scim_id AS "scimId" FROM group_record g
       JOIN user_record u ON u.channel_id = g.channel_id AND lower(u.dn) = ANY(g.member_dns)
     WHERE g.id = ANY($1::bigint[]) AND u.scim_id IS NOT NULL AND u.target_state <> 'ABSENT'
       AND NOT ($2::boolean AND u.target_state = 'INACTIVE')`,
    groupIds,
    removeInactive,
  );
  for (const r of rs) {
    let m = desired.get(r.groupId);
    if (!m) desired.set(r.groupId, (m = new Map()));
    m.set(r.scimId, r.id);
  }
  return desired;
}

/** A page of the groups provisioned at the target and still in scope, in id order, for reading their members there. */
export async function provisionedGroupsPage(db: TSql, channelId: number, afterId: bigint, limit: number): Promise<Array<{ id: bigint; scimId: string }>> {
  return db.$queryRawUnsafe(
    `SELECT id, scim_id AS "scimId" FROM group_record
     WHERE channel_id = $1 AND id > $2 AND scim_id IS NOT NULL AND target_state = 'ACTIVE' AND source_state = 'IN_SCOPE'
       AND pending_action <> 'DELETE'
     ORDER BY id LIMIT $3`,
    channelId,
    afterId,
    limit,
  );
}

/**
 * Groups whose members at the target differ from the directory's: pushed again, and
 * their members read at the target first (resync_members), so the push's deltas start
 * from what the target holds, not from what Ferry remembers sending.
 */
export async function markGroupsDrifted(db: TSql, ids: bigint[]): Promise<number> {
  if (ids.length === 0) return 0;
  return db.$executeRawUnsafe(
    `UPDATE group_record SET dirty = true, resync_members = true, next_attempt_at = NULL,
       pending_action = CASE WHEN pending_action = 'NONE' THEN 'UPDATE'::"RecordAction" ELSE pending_action END,
       pending_values = COALESCE(pending_values, pushed_values), updated_at = now()
     WHERE id = ANY($1::bigint[])`,
    ids,
  );
}

// ---- operators' repairs (provmgr, console, API) ------------------------------------

/** "Retry now": groups waiting out their backoff are tried by the next cycle (one group, or every one that failed). */
export async function retryGroupsNow(db: TSql, channelId: number, recordId?: bigint): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE group_record SET next_attempt_at = NULL, updated_at = now()
     WHERE channel_id = $1 AND dirty AND ${recordId === undefined ? "last_error IS NOT NULL" : "id = $2"}`,
    channelId,
    ...(recordId === undefined ? [] : [recordId]),
  );
}

export async function clearDirtyGroups(db: TSql, channelId: number): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE group_record SET dirty = false, pending_action = 'NONE', pending_values = NULL, pending_hash = NULL,
       last_error = NULL, attempts = 0, next_attempt_at = NULL, updated_at = now() WHERE channel_id = $1 AND dirty`,
    channelId,
  );
}

export async function deleteDirtyGroups(db: TSql, channelId: number): Promise<number> {
  return db.$executeRawUnsafe(`DELETE FROM group_record WHERE channel_id = $1 AND dirty`, channelId);
}

export async function deleteAllGroups(db: TSql, channelId: number): Promise<number> {
  return db.$executeRawUnsafe(`DELETE FROM group_record WHERE channel_id = $1`, channelId);
}

/** After --delete-all-users: kept groups send their members again once the users are provisioned anew. */
export async function resyncGroupMembers(db: TSql, channelId: number): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE group_record SET resync_members = true, dirty = target_state <> 'ABSENT',
       pending_action = CASE WHEN target_state <> 'ABSENT' THEN 'UPDATE'::"RecordAction" ELSE pending_action END
     WHERE channel_id = $1`,
    channelId,
  );
}
