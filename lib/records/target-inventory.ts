// The one owner of target_inventory (migration 0025): the target's users and groups as
// the last inventory listed them. Written a page at a time (one statement per page), read
// with SQL so that 100,000 target accounts never sit in memory: a first load matches each
// page of new users in one query, and the unmanaged list is a keyset-paged query.
import type { TSql } from "../db/index.ts";

export type TInventoryKind = "user" | "group";
export type TInventoryRow = { scimId: string; name: string; externalId: string | null; emails: string[]; active: boolean | null };

/** Stores one listed page; rows already there are refreshed (an admin's ignore stays). */
export async function storeInventoryPage(db: TSql, channelId: number, kind: TInventoryKind, rows: TInventoryRow[], seenAt: Date): Promise<void> {
  if (rows.length === 0) return;
  await db.$executeRawUnsafe(
    `INSERT INTO target_inventory (channel_id, kind, scim_id, name, external_id, emails, active, seen_at)
     SELECT $1, $2, r.scim_id, r.name, r.external_id, COALESCE(r.emails, '{}'), r.active, $4
     FROM jsonb_to_recordset($3::jsonb) AS r(scim_id text, name text, external_id text, emails text[], active boolean)
     ON CONFLICT (channel_id, kind, scim_id) DO UPDATE
       SET name = EXCLUDED.name, external_id = EXCLUDED.external_id, emails = EXCLUDED.emails, active = EXCLUDED.active, seen_at = EXCLUDED.seen_at`,
    channelId,
    kind,
    JSON.stringify(rows.map((r) => ({ scim_id: r.scimId, name: r.name, external_id: r.externalId, emails: r.emails, active: r.active }))),
    seenAt,
  );
}

/** Ends an inventory that listed everything: what it did not see is gone from the target. */
export async function finishInventory(db: TSql, channelId: number, seenAt: Date): Promise<void> {
  await db.$executeRawUnsafe(`DELETE FROM target_inventory WHERE channel_id = $1 AND seen_at < $2`, channelId, seenAt);
  await db.$executeRawUnsafe(`UPDATE channel SET inventory_taken_at = $2 WHERE id = $1`, channelId, seenAt);
}

/** Accounts Ferry deleted at the target: gone from the inventory too, so they are never listed as unmanaged. */
export async function forgetInventory(db: TSql, channelId: number, kind: TInventoryKind, scimIds: string[]): Promise<void> {
  if (scimIds.length === 0) return;
  await db.$executeRawUnsafe(`DELETE FROM target_inventory WHERE channel_id = $1 AND kind = $2 AND scim_id = ANY($3::text[])`, channelId, kind, scimIds);
}

export type TMatchCandidate = { id: bigint; guid: string; userName: string; externalId: string | null; emails: string[] };
/** A record's match: the target account's id, or "ambiguous" (two or more at the best rule: left to the lookup, which reports it). */
export type TMatch = string | "ambiguous";

/**
 * Matches directory users with the inventory's users in one query: an account an admin
 * adopted for the user, then by userName (case-insensitively), then by each of `precedence` in order (externalId equal, an
 * e-mail in common, case-insensitively). An account another record of the channel is
 * linked to already is never matched again, and one two candidates of the page would
 * share goes to neither (each falls back to a lookup).
 */
export async function matchInventoryUsers(db: TSql, channelId: number, candidates: TMatchCandidate[], precedence: Array<"externalId" | "emails">): Promise<Map<bigint, TMatch>> {
  const out = new Map<bigint, TMatch>();
  if (candidates.length === 0) return out;
  // an admin's adoption first, then the name
  const rules = [`i.adopted_guid = c.guid`, `lower(i.name) = lower(c.user_name)`];
  for (const p of precedence) rules.push(p === "externalId" ? `i.external_id = c.external_id` : `i.emails && c.emails`);
  const ranked = rules.map((rule, rank) => `SELECT i.scim_id, ${rank} AS rank FROM target_inventory i WHERE i.channel_id = $1 AND i.kind = 'user' AND ${rule}`).join(" UNION ALL ");
  const rows = await db.$queryRawUnsafe<Array<{ id: bigint; scimId: string; hits: number }>>(
    `SELECT c.id, best.scim_id AS "scimId", best.hits::int AS hits
     FROM jsonb_to_recordset($2::jsonb) AS c(id bigint, guid text, user_name text, external_id text, emails text[])
     CROSS JOIN LATERAL (
       SELECT min(m.scim_id) AS scim_id, count(DISTINCT m.scim_id) AS hits FROM (${ranked}) m
       WHERE NOT EXISTS (SELECT 1 FROM user_record u WHERE u.channel_id = $1 AND u.scim_id = m.scim_id)
       GROUP BY m.rank ORDER BY m.rank LIMIT 1
     ) best`,
    channelId,
    JSON.stringify(candidates.map((c) => ({ id: c.id.toString(), guid: c.guid, user_name: c.userName, external_id: c.externalId, emails: c.emails.map((e) => e.toLowerCase()) }))),
  );
  const taken = new Map<string, number>();
  for (const r of rows) taken.set(r.scimId, (taken.get(r.scimId) ?? 0) + 1);
  for (const r of rows) out.set(BigInt(r.id), r.hits > 1 || (taken.get(r.scimId) ?? 0) > 1 ? "ambiguous" : r.scimId);
  return out;
}

/** Accounts admins adopted for these directory users (any userMatching: an adoption is the admin's word). */
export async function adoptedAccounts(db: TSql, channelId: number, candidates: TMatchCandidate[]): Promise<Map<bigint, TMatch>> {
  const out = new Map<bigint, TMatch>();
  if (candidates.length === 0) return out;
  const rows = await db.$queryRawUnsafe<Array<{ guid: string; scimId: string }>>(
    `SELECT i.adopted_guid AS guid, i.scim_id AS "scimId" FROM target_inventory i
     WHERE i.channel_id = $1 AND i.kind = 'user' AND i.adopted_guid = ANY($2::text[])
       AND NOT EXISTS (SELECT 1 FROM user_record u WHERE u.channel_id = $1 AND u.scim_id = i.scim_id)`,
    channelId,
    candidates.map((c) => c.guid),
  );
  const byGuid = new Map(rows.map((r) => [r.guid, r.scimId]));
  for (const c of candidates) {
    const m = byGuid.get(c.guid);
    if (m) out.set(c.id, m);
  }
  return out;
}

/** Records an adoption (or takes it back with guid null); false when there is no such user row. */
export async function setAdopted(db: TSql, channelId: number, scimId: string, guid: string | null, by: string | null): Promise<boolean> {
  const n = await db.$executeRawUnsafe(
    `UPDATE target_inventory SET adopted_guid = $3, adopted_by = $4 WHERE channel_id = $1 AND kind = 'user' AND scim_id = $2`,
    channelId,
    scimId,
    guid,
    by,
  );
  return n > 0;
}

/** The inventory's group of this displayName (case-insensitive) no group record is linked to: its id, "ambiguous", or null. */
export async function matchInventoryGroup(db: TSql, channelId: number, displayName: string): Promise<TMatch | null> {
  const rows = await db.$queryRawUnsafe<Array<{ scimId: string }>>(
    `SELECT i.scim_id AS "scimId" FROM target_inventory i WHERE i.channel_id = $1 AND i.kind = 'group' AND lower(i.name) = lower($2)
       AND NOT EXISTS (SELECT 1 FROM group_record g WHERE g.channel_id = $1 AND g.scim_id = i.scim_id) LIMIT 2`,
    channelId,
    displayName,
  );
  return rows.length > 1 ? "ambiguous" : (rows[0]?.scimId ?? null);
}

export type TUnmanagedRow = {
  kind: TInventoryKind;
  scimId: string;
  name: string;
  externalId: string | null;
  emails: string[];
  active: boolean | null;
  ignored: boolean;
  ignoredBy: string | null;
  /** adopted for this directory user (its record's provider name or DN); linked at its next push */
  adoptedFor: string | null;
  adoptedBy: string | null;
};

/**
 * The target accounts (or groups) no record of the channel is linked to: created by hand
 * or by another tool. Keyset-paged by name; ignored ones only when asked for.
 */
export async function listUnmanaged(
  db: TSql,
  channelId: number,
  opts: { kind: TInventoryKind; includeIgnored: boolean; after?: string; limit: number },
): Promise<{ rows: TUnmanagedRow[]; total: number }> {
  const table = opts.kind === "user" ? "user_record" : "group_record";
  const where = `i.channel_id = $1 AND i.kind = $2 AND NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.channel_id = $1 AND r.scim_id = i.scim_id)${opts.includeIgnored ? "" : " AND i.ignored_at IS NULL"}`;
  const rows = await db.$queryRawUnsafe<Array<TUnmanagedRow & { ignoredAt: Date | null }>>(
    `SELECT i.kind, i.scim_id AS "scimId", i.name, i.external_id AS "externalId", i.emails, i.active, i.ignored_at AS "ignoredAt", i.ignored_by AS "ignoredBy",
       (SELECT COALESCE(u.provider_name, u.dn) FROM user_record u WHERE u.channel_id = $1 AND u.guid = i.adopted_guid) AS "adoptedFor", i.adopted_by AS "adoptedBy"
     FROM target_inventory i WHERE ${where} AND ($3::text IS NULL OR (i.name, i.scim_id) > ($3::text, ''))
     ORDER BY i.name, i.scim_id LIMIT $4`,
    channelId,
    opts.kind,
    opts.after ?? null,
    opts.limit,
  );
  const [count] = await db.$queryRawUnsafe<Array<{ n: number }>>(`SELECT count(*)::int AS n FROM target_inventory i WHERE ${where}`, channelId, opts.kind);
  return { rows: rows.map(({ ignoredAt, ...r }) => ({ ...r, ignored: ignoredAt !== null })), total: count?.n ?? 0 };
}

/** One inventory row, or null. */
export async function inventoryRow(db: TSql, channelId: number, kind: TInventoryKind, scimId: string): Promise<TInventoryRow | null> {
  const rows = await db.$queryRawUnsafe<TInventoryRow[]>(
    `SELECT scim_id AS "scimId", name, external_id AS "externalId", emails, active FROM target_inventory WHERE channel_id = $1 AND kind = $2 AND scim_id = $3`,
    channelId,
    kind,
    scimId,
  );
  return rows[0] ?? null;
}

/** Marks (or unmarks) an inventory row ignored; false when there is no such row. */
export async function setIgnored(db: TSql, channelId: number, kind: TInventoryKind, scimId: string, by: string | null): Promise<boolean> {
  const n = await db.$executeRawUnsafe(
    `UPDATE target_inventory SET ignored_at = CASE WHEN $4::text IS NULL THEN NULL ELSE now() END, ignored_by = $4 WHERE channel_id = $1 AND kind = $2 AND scim_id = $3`,
    channelId,
    kind,
    scimId,
    by,
  );
  return n > 0;
}
