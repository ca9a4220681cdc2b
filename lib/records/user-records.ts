// User records: every write of a user record's state lives here (cal.com's
// repositories) — the dirty flag, the pending action and the values waiting to be
// pushed, the directory's and the target's states, errors and attempts — so "who marks a
// user dirty" has one answer. The read, the push, the operators' resets call these
// functions; the deprovisioning guard's statements are deprovisioning.ts, beside this
// file. One statement per batch of records, never one per record, so a 100,000-user read
// is a few hundred round trips.
import type { TSql } from "../db/index.ts";
import type { TRawSql } from "../db/raw.ts";
import { entryFingerprint } from "../ldap/fingerprint.ts";
import { DUE_FOR_PUSH, type TAction, type TKnownState, type TSourceState, type TTargetState } from "./states.ts";

export type TUserRow = TKnownState & {
  id: bigint;
  guid: string;
  dn: string;
  providerName: string | null;
  scimId: string | null;
  pendingValues: Record<string, string | number | boolean | string[]> | null;
  pendingHash: string | null;
  pushedValues: Record<string, string | number | boolean | string[]> | null;
  attempts: number;
};

const USER_COLUMNS = `id, guid, dn, provider_name AS "providerName", scim_id AS "scimId", values_hash AS "valuesHash",
  ldap_timestamp AS "ldapTimestamp", source_state::text AS "sourceState", target_state::text AS "targetState", dirty,
  pending_action::text AS "pendingAction", pending_values AS "pendingValues", pending_hash AS "pendingHash",
  pushed_values AS "pushedValues", attempts`;

// ---- reads the cycle needs ----------------------------------------------------------

export async function loadUsersByGuid(db: TSql, channelId: number, guids: string[]): Promise<Map<string, TUserRow>> {
  if (guids.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<TUserRow[]>(
    `SELECT ${USER_COLUMNS} FROM user_record WHERE channel_id = $1 AND guid = ANY($2::text[])`,
    channelId,
    guids,
  );
  return new Map(rows.map((r) => [r.guid, r]));
}

/**
 * What deciding a read entry needs of its record (lib/sync/decide.ts), and no more: a
 * full read of 100,000 unchanged users looks every one of them up, and the pending and
 * pushed values (JSON) are what made that lookup slow.
 */
export async function loadKnownStatesByGuid(db: TSql, channelId: number, guids: string[]): Promise<Map<string, TKnownState>> {
  if (guids.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<Array<TKnownState & { guid: string }>>(
    `SELECT guid, ldap_timestamp AS "ldapTimestamp", values_hash AS "valuesHash", source_state::text AS "sourceState",
            target_state::text AS "targetState", dirty, pending_action::text AS "pendingAction"
     FROM user_record WHERE channel_id = $1 AND guid = ANY($2::text[])`,
    channelId,
    guids,
  );
  return new Map(rows.map((r) => [r.guid, r]));
}

/**
 * The same lookup for a full read, with the unchanged left out in the database: of the
 * entries read, those whose record is clean and provisioned and holds the same timestamp,
 * directory state and fingerprint of the DN and attributes (lib/ldap/fingerprint.ts) come
 * back as nothing. The mapping is a function of the attributes, and a new mapping has
 * every record looked at again (`attributeSyncTimestamp` "1", lookAtAll), so deciding them
 * again would do nothing (lib/sync/decide.ts). Comparing the fingerprint rather than the
 * mapped values' hash means the read maps and hashes only the entries that come back, and
 * still catches a second change within one second (same timestamp, other values). Every
 * other entry comes back, with its record's state or `null` when the store has no record
 * of it; a full read of 100,000 unchanged users returns no rows.
 */
export async function loadChangedStatesByGuid(
  db: TRawSql,
  channelId: number,
  seen: Array<{ guid: string; timestamp: string | null; sourceState: TSourceState; fingerprint: string }>,
): Promise<Map<string, TKnownState | null>> {
  if (seen.length === 0) return new Map();
  const rows = await db.rows<Partial<TKnownState> & { guid: string; known: boolean }>(
    `SELECT s.guid, r.guid IS NOT NULL AS known, r.ldap_timestamp AS "ldapTimestamp", r.values_hash AS "valuesHash",
            r.source_state::text AS "sourceState", r.target_state::text AS "targetState", r.dirty, r.pending_action::text AS "pendingAction"
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) AS s(guid, ts, state, fp)
     LEFT JOIN user_record r ON r.channel_id = $1 AND r.guid = s.guid
     WHERE r.guid IS NULL OR r.dirty OR r.target_state = 'ABSENT' OR r.source_state::text <> s.state
        OR r.ldap_timestamp IS DISTINCT FROM s.ts OR r.attrs_fp IS DISTINCT FROM s.fp`,
    [channelId, seen.map((e) => e.guid), seen.map((e) => e.timestamp), seen.map((e) => e.sourceState), seen.map((e) => e.fingerprint)],
  );
  return new Map(rows.map(({ guid, known, ...rec }) => [guid, known ? (rec as TKnownState) : null]));
}

/**
 * Records whose entry the read found changed only where deciding sees nothing to do (an
 * attribute the mapping does not use, say): their attributes and fingerprint are brought
 * up to date, so the next full read leaves them out. Nothing else of the record changes.
 */
export async function refreshReadAttributes(db: TSql, channelId: number, rows: Array<{ guid: string; ldapAttributes: Record<string, string[]>; dn: string }>): Promise<void> {
  if (rows.length === 0) return;
  await db.$executeRawUnsafe(
    `UPDATE user_record r SET ldap_attributes = u.attrs::jsonb, attrs_fp = u.fp
     FROM unnest($2::text[], $3::text[], $4::text[]) AS u(guid, attrs, fp)
     WHERE r.channel_id = $1 AND r.guid = u.guid`,
    channelId,
    rows.map((r) => r.guid),
    rows.map((r) => JSON.stringify(r.ldapAttributes)),
    rows.map((r) => entryFingerprint(r.dn, r.ldapAttributes)),
  );
}

/**
 * The GUIDs of the records still marked as in the directory scope, id-ordered, a page at
 * a time: what a full read needs to find who it did not return. Each page comes as one
 * row holding an array: at a million records, a row per record cost the full read 15 s
 * of decoding (their DNs and states are asked for only for the few missing:
 * inScopeUsersByGuid).
 */
export async function* knownInScopeGuids(db: TRawSql, channelId: number, page = 20_000): AsyncGenerator<string[]> {
  let after = 0n;
  for (;;) {
    const [r] = await db.rows<{ guids: string[] | null; last: bigint | string | null }>(
      `SELECT array_agg(guid ORDER BY id) AS guids, max(id) AS last FROM (
         SELECT id, guid FROM user_record WHERE channel_id = $1 AND id > $2 AND source_state IN ('IN_SCOPE', 'DISABLED') ORDER BY id LIMIT $3) p`,
      [channelId, after.toString(), page],
    );
    if (!r?.guids || r.last === null) return;
    yield r.guids;
    after = BigInt(r.last);
  }
}

/** Of these GUIDs, the records still marked as in the directory scope: key, DN and target state. */
export async function inScopeUsersByGuid(db: TSql, channelId: number, guids: string[]): Promise<Array<{ id: bigint; guid: string; dn: string; targetState: TTargetState }>> {
  const out: Array<{ id: bigint; guid: string; dn: string; targetState: TTargetState }> = [];
  for (let i = 0; i < guids.length; i += 10_000) {
    out.push(
      ...(await db.$queryRawUnsafe<Array<{ id: bigint; guid: string; dn: string; targetState: TTargetState }>>(
        `SELECT id, guid, dn, target_state::text AS "targetState" FROM user_record
         WHERE channel_id = $1 AND guid = ANY($2::text[]) AND source_state IN ('IN_SCOPE', 'DISABLED') ORDER BY id`,
        channelId,
        guids.slice(i, i + 10_000),
      )),
    );
  }
  return out;
}

/**
 * Of these SCIM ids, the users Ferry provisioned active at the target and has nothing
 * waiting for: the ones whose attributes a reconciliation compares with the target's
 * (served by user_record_scim_id_idx).
 */
export async function enforceableUsers(
  db: TSql,
  channelId: number,
  scimIds: string[],
): Promise<Array<{ id: bigint; scimId: string; pushedValues: Record<string, string | number | boolean> }>> {
  if (scimIds.length === 0) return [];
  return db.$queryRawUnsafe(
    `SELECT id, scim_id AS "scimId", pushed_values AS "pushedValues" FROM user_record
     WHERE channel_id = $1 AND scim_id = ANY($2::text[]) AND target_state = 'ACTIVE' AND source_state = 'IN_SCOPE'
       AND NOT dirty AND pushed_values IS NOT NULL`,
    channelId,
    scimIds,
  );
}

/**
 * Users whose mapped attributes were edited at the target: dirty with an UPDATE back to
 * what Ferry last sent (the directory's values, unchanged since), and `pushed_values`
 * set to what the target holds now, so the PATCH carries exactly the values that drifted.
 * Only records still clean are touched: a read that marked one dirty meanwhile wins. The
 * target state stays ACTIVE and `active` stays true: this never disables anyone.
 */
export async function markUsersDrifted(db: TSql, rows: Array<{ id: bigint; held: Record<string, string | number | boolean | string[]> }>): Promise<number> {
  if (rows.length === 0) return 0;
  return db.$executeRawUnsafe(
    `UPDATE user_record r SET dirty = true, pending_action = 'UPDATE', pending_values = r.pushed_values || '{"active": true}'::jsonb,
       pending_hash = r.values_hash, pushed_values = r.pushed_values || u.held, next_attempt_at = NULL, updated_at = now()
     FROM unnest($1::bigint[], $2::jsonb[]) AS u(id, held)
     WHERE r.id = u.id AND NOT r.dirty AND r.target_state = 'ACTIVE'`,
    rows.map((r) => r.id),
    rows.map((r) => JSON.stringify(r.held)),
  );
}

export async function fetchDirtyUsers(db: TSql, channelId: number, afterId: bigint, limit: number): Promise<TUserRow[]> {
  return db.$queryRawUnsafe<TUserRow[]>(
    `SELECT ${USER_COLUMNS} FROM user_record
     WHERE channel_id = $1 AND id > $2 AND ${DUE_FOR_PUSH}
     ORDER BY id LIMIT $3`,
    channelId,
    afterId,
    limit,
  );
}

// ---- what a directory read decided -------------------------------------------------

export type TUserUpsert = {
  guid: string;
  dn: string;
  providerName: string | null;
  ldapTimestamp: string | null;
  sourceState: TSourceState;
  dirty: boolean;
  pendingAction: TAction;
  pendingValues: unknown;
  pendingHash: string | null;
  ldapAttributes: unknown;
  lastError: string | null;
  /** the DNs its mapping refers to (lib/mapping/references.ts); left out: none */
  referenceDns?: string[];
};

/** Inserts or updates a batch of read results in one statement. */
export async function writeUsersRead(db: TSql, channelId: number, rows: TUserUpsert[]): Promise<void> {
  if (rows.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO user_record (channel_id, guid, dn, provider_name, ldap_timestamp, source_state, dirty, pending_action,
       pending_values, pending_hash, ldap_attributes, attrs_fp, last_error, reference_dns, updated_at)
     SELECT $1, u.guid, u.dn, u.provider_name, u.ldap_timestamp, u.source_state::"SourceState", u.dirty,
       u.pending_action::"RecordAction", u.pending_values::jsonb, u.pending_hash, u.ldap_attributes::jsonb, u.attrs_fp, u.last_error,
       CASE WHEN u.reference_dns IS NULL THEN '{}'::text[] ELSE ARRAY(SELECT jsonb_array_elements_text(u.reference_dns::jsonb)) END, now()
     FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::boolean[], $8::text[], $9::text[], $10::text[], $11::text[], $12::text[], $13::text[], $14::text[])
       AS u(guid, dn, provider_name, ldap_timestamp, source_state, dirty, pending_action, pending_values, pending_hash, ldap_attributes, last_error, reference_dns, attrs_fp)
     ON CONFLICT (channel_id, guid) DO UPDATE SET
       dn = EXCLUDED.dn, provider_name = COALESCE(EXCLUDED.provider_name, user_record.provider_name),
       ldap_timestamp = EXCLUDED.ldap_timestamp, source_state = EXCLUDED.source_state, dirty = EXCLUDED.dirty,
       pending_action = EXCLUDED.pending_action, pending_values = EXCLUDED.pending_values, pending_hash = EXCLUDED.pending_hash,
       ldap_attributes = EXCLUDED.ldap_attributes, attrs_fp = EXCLUDED.attrs_fp, reference_dns = EXCLUDED.reference_dns,
       last_error = CASE WHEN EXCLUDED.dirty THEN COALESCE(EXCLUDED.last_error, user_record.last_error) ELSE NULL END,
       attempts = CASE WHEN EXCLUDED.dirty THEN user_record.attempts ELSE 0 END,
       -- new values from the directory are worth trying at once, whatever the backoff
       next_attempt_at = CASE WHEN EXCLUDED.dirty AND EXCLUDED.pending_hash IS NOT DISTINCT FROM user_record.pending_hash
         THEN user_record.next_attempt_at END,
       updated_at = now()`,
    channelId,
    rows.map((r) => r.guid),
    rows.map((r) => r.dn),
    rows.map((r) => r.providerName),
    rows.map((r) => r.ldapTimestamp),
    rows.map((r) => r.sourceState),
    rows.map((r) => r.dirty),
    rows.map((r) => r.pendingAction),
    rows.map((r) => (r.pendingValues == null ? null : JSON.stringify(r.pendingValues))),
    rows.map((r) => r.pendingHash),
    rows.map((r) => (r.ldapAttributes == null ? null : JSON.stringify(r.ldapAttributes))),
    rows.map((r) => r.lastError),
    // most mappings refer to nobody: no array to build for those rows
    rows.map((r) => (r.referenceDns?.length ? JSON.stringify(r.referenceDns) : null)),
    rows.map((r) => (r.ldapAttributes == null ? null : entryFingerprint(r.dn, r.ldapAttributes as Record<string, string[]>))),
  );
}

/**
 * Records the directory's word on users who are gone (left the scope, or deleted).
 * Never-provisioned records are forgotten: there is nothing to undo at the target. The
 * others keep their target state, drop whatever was waiting to be pushed, and await the
 * deprovisioning step: nothing here marks a deprovisioning.
 */
export async function markUsersGone(
  db: TSql,
  records: Array<{ id: bigint; targetState: TTargetState }>,
  state: Extract<TSourceState, "OUT_OF_SCOPE" | "DELETED">,
): Promise<{ forgotten: number; gone: number }> {
  const forget = records.filter((r) => r.targetState === "ABSENT").map((r) => r.id);
  const gone = records.filter((r) => r.targetState !== "ABSENT").map((r) => r.id);
  if (forget.length > 0) await db.$executeRawUnsafe(`DELETE FROM user_record WHERE id = ANY($1::bigint[])`, forget);
  if (gone.length > 0) {
    await db.$executeRawUnsafe(
      `UPDATE user_record SET source_state = $1::"SourceState", dirty = false, pending_action = 'NONE', pending_values = NULL,
         pending_hash = NULL, updated_at = now()
       WHERE id = ANY($2::bigint[])`,
      state,
      gone,
    );
  }
  return { forgotten: forget.length, gone: gone.length };
}

// ---- what the target answered -------------------------------------------------------

export type TUserOutcome =
  | {
      id: bigint;
      ok: true;
      scimId: string | null;
      targetState: TTargetState;
      valuesHash: string | null;
      pushedValues: unknown;
      /** the record describes nothing any more (gone from the directory and from the target) */
      forget: boolean;
    }
  | {
      id: bigint;
      ok: false;
      error: string;
      /** the target refused this record itself (not its credentials, not an outage) */
      recordFault: boolean;
      /** not tried again for this long (a target that keeps refusing it) */
      retryInSec?: number;
    };

/**
 * Writes the outcome of a batch of pushes. A failure leaves the record dirty with its
 * error, and not tried again before its backoff has passed.
 */
export async function applyUserOutcomes(db: TSql, outcomes: TUserOutcome[]): Promise<void> {
  const ok = outcomes.filter((o): o is Extract<TUserOutcome, { ok: true }> => o.ok);
  const failed = outcomes.filter((o): o is Extract<TUserOutcome, { ok: false }> => !o.ok);
  const forget = ok.filter((o) => o.forget).map((o) => o.id);
  const keep = ok.filter((o) => !o.forget);
  if (keep.length > 0) {
    await db.$executeRawUnsafe(
      `UPDATE user_record r SET scim_id = u.scim_id, target_state = u.target_state::"TargetState", values_hash = u.values_hash,
         pushed_values = u.pushed_values::jsonb, dirty = false, pending_action = 'NONE', pending_values = NULL, pending_hash = NULL,
         last_error = NULL, attempts = 0, next_attempt_at = NULL, last_attempt_at = now(), last_synced_at = now(), updated_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, scim_id, target_state, values_hash, pushed_values)
       WHERE r.id = u.id`,
      keep.map((o) => o.id),
      keep.map((o) => o.scimId),
      keep.map((o) => o.targetState),
      keep.map((o) => o.valuesHash),
      keep.map((o) => (o.pushedValues == null ? null : JSON.stringify(o.pushedValues))),
    );
  }
  if (forget.length > 0) await db.$executeRawUnsafe(`DELETE FROM user_record WHERE id = ANY($1::bigint[])`, forget);
  if (failed.length > 0) {
    await db.$executeRawUnsafe(
      `UPDATE user_record r SET last_error = u.err, attempts = attempts + 1, last_attempt_at = now(),
         next_attempt_at = CASE WHEN u.wait > 0 THEN now() + make_interval(secs => u.wait) END, updated_at = now()
       FROM unnest($1::bigint[], $2::text[], $3::int[]) AS u(id, err, wait) WHERE r.id = u.id`,
      failed.map((o) => o.id),
      failed.map((o) => o.error),
      failed.map((o) => o.retryInSec ?? 0),
    );
  }
}

/** Records due in a push that stopped at the target carry its error (those attempted since `since` keep their own). */
export async function noteUsersPushStopped(db: TSql, channelId: number, error: string, since: Date): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE user_record SET last_error = $2, attempts = attempts + 1, last_attempt_at = now(), updated_at = now()
     WHERE channel_id = $1 AND dirty AND pending_action <> 'NONE' AND (last_attempt_at IS NULL OR last_attempt_at < $3::timestamp(3))`,
    channelId,
    error,
    since,
  );
}

// ---- operators' repairs (provmgr, console, API) ------------------------------------

/**
 * The channel's backlog after a cycle: dirty records (users and groups), those whose last
 * push failed, and those of them waiting out their backoff with when the first is due.
 * One pass over the dirty rows (a partial index); kept in the cycle's stats for the charts.
 */
export async function recordBacklog(db: TSql, channelId: number): Promise<{ dirty: number; failing: number; waiting: number; nextAt: Date | null }> {
  const [r] = await db.$queryRawUnsafe<{ dirty: bigint; failing: bigint; waiting: bigint; next_at: Date | null }[]>(
    `SELECT count(*) AS dirty, count(*) FILTER (WHERE last_error IS NOT NULL) AS failing,
            count(*) FILTER (WHERE next_attempt_at > now()) AS waiting, min(next_attempt_at) FILTER (WHERE next_attempt_at > now()) AS next_at
       FROM (SELECT last_error, next_attempt_at FROM user_record WHERE channel_id = $1 AND dirty
             UNION ALL
             SELECT last_error, next_attempt_at FROM group_record WHERE channel_id = $1 AND dirty) d`,
    channelId,
  );
  return { dirty: Number(r?.dirty ?? 0), failing: Number(r?.failing ?? 0), waiting: Number(r?.waiting ?? 0), nextAt: r?.next_at ?? null };
}

/** "Retry now": records waiting out their backoff are tried by the next cycle (one record, or every one that failed). */
export async function retryUsersNow(db: TSql, channelId: number, recordId?: bigint): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE user_record SET next_attempt_at = NULL, updated_at = now()
     WHERE channel_id = $1 AND dirty AND ${recordId === undefined ? "last_error IS NOT NULL" : "id = $2"}`,
    channelId,
    ...(recordId === undefined ? [] : [recordId]),
  );
}

/** --clear-dirty-*: what waited is dropped; the record says what the target last acknowledged. */
export async function clearDirtyUsers(db: TSql, channelId: number): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE user_record SET dirty = false, pending_action = 'NONE', pending_values = NULL, pending_hash = NULL,
       last_error = NULL, attempts = 0, next_attempt_at = NULL, updated_at = now() WHERE channel_id = $1 AND dirty`,
    channelId,
  );
}

/** --delete-dirty-*: the next read brings back what is still in scope as new records. */
export async function deleteDirtyUsers(db: TSql, channelId: number): Promise<number> {
  return db.$executeRawUnsafe(`DELETE FROM user_record WHERE channel_id = $1 AND dirty`, channelId);
}

/** --delete-all(-users). */
export async function deleteAllUsers(db: TSql, channelId: number): Promise<number> {
  return db.$executeRawUnsafe(`DELETE FROM user_record WHERE channel_id = $1`, channelId);
}

/** --reset-values-hash: users with a newer LDAP timestamp are pushed whatever their values. */
export async function resetValuesHashes(db: TSql, channelId: number): Promise<number> {
  return db.$executeRawUnsafe(
    `UPDATE user_record SET values_hash = NULL, updated_at = now() WHERE channel_id = $1 AND values_hash IS NOT NULL`,
    channelId,
  );
}
