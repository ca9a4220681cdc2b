// The store's side of reference mapping values (lib/mapping/references.ts): which SCIM
// id a referenced DN has, and which users refer to a DN. One statement per page.
import type { TSql } from "../db/index.ts";
import { normalizeDn } from "../mapping/references.ts";

/** The SCIM ids of the channel's provisioned users with these (normalised) DNs, by normalised DN. */
export async function scimIdsByDn(db: TSql, channelId: number, dns: string[]): Promise<Map<string, string>> {
  if (dns.length === 0) return new Map();
  const rows = await db.$queryRawUnsafe<Array<{ dn: string; scimId: string }>>(
    `SELECT dn, scim_id AS "scimId" FROM user_record
     WHERE channel_id = $1 AND lower(dn) = ANY($2::text[]) AND scim_id IS NOT NULL AND target_state <> 'ABSENT'`,
    channelId,
    [...new Set(dns)],
  );
  return new Map(rows.map((r) => [normalizeDn(r.dn), r.scimId]));
}

export type TReport = { id: bigint; dn: string; ldapAttributes: Record<string, string[]> | null; pushedValues: Record<string, unknown> | null; valuesHash: string | null };

/** Provisioned, clean, active users whose mapping refers to one of these DNs: those a change of the DNs' SCIM ids may concern. */
export async function cleanReportsOf(db: TSql, channelId: number, dns: string[]): Promise<TReport[]> {
  if (dns.length === 0) return [];
  return db.$queryRawUnsafe<TReport[]>(
    `SELECT id, dn, ldap_attributes AS "ldapAttributes", pushed_values AS "pushedValues", values_hash AS "valuesHash" FROM user_record
     WHERE channel_id = $1 AND reference_dns && $2::text[] AND NOT dirty AND source_state = 'IN_SCOPE' AND target_state = 'ACTIVE'`,
    channelId,
    [...new Set(dns.map(normalizeDn))],
  );
}

/** Marks these users to be updated with these values (only those still clean: a read that marked one meanwhile wins). */
export async function markReportsDirty(db: TSql, rows: Array<{ id: bigint; pendingValues: unknown; pendingHash: string }>): Promise<number> {
  if (rows.length === 0) return 0;
  return db.$executeRawUnsafe(
    `UPDATE user_record r SET dirty = true, pending_action = 'UPDATE', pending_values = u.pending_values::jsonb, pending_hash = u.pending_hash,
       next_attempt_at = NULL, updated_at = now()
     FROM unnest($1::bigint[], $2::text[], $3::text[]) AS u(id, pending_values, pending_hash)
     WHERE r.id = u.id AND NOT r.dirty`,
    rows.map((r) => r.id),
    rows.map((r) => JSON.stringify(r.pendingValues)),
    rows.map((r) => r.pendingHash),
  );
}
