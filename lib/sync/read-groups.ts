// The read half of a cycle for groups. Every cycle lists the groups in scope with
// their GUID and timestamp only (cheap), fetches members just for new or changed
// groups, and — after a complete listing — records groups gone from the scope. Their
// deletion at the target is decided by deprovision.ts, behind the guard.
import type { Directory } from "../ldap/directory.ts";
import type { TSource } from "../channel-config/stored.ts";
import type { TLdapEntry } from "../ldap/directory.ts";
import { firstValue, groupAttributes, groupScopeFilter, guidOf, memberDnsOf, timestampOf } from "../ldap/scope.ts";
import { evaluate } from "../mapping/map-entry.ts";
import type { TCycleContext } from "./context.ts";
import type { TSql } from "./lease.ts";

type TGroupRow = {
  id: bigint;
  guid: string;
  dn: string;
  ldapTimestamp: string | null;
  sourceState: string;
  targetState: string;
  providerName: string | null;
  memberDns: string[];
  pushedValues: { displayName?: string } | null;
  dirty: boolean;
};

export async function readGroups(ctx: TCycleContext, dir: Directory, lookAtAll: boolean): Promise<void> {
  const { db, channel, cfg, stats, log } = ctx;
  const source = cfg.source;
  const filter = groupScopeFilter(source);
  if (!filter || !cfg.options.provisionGroups) return;

  const rows = await db.$queryRawUnsafe<TGroupRow[]>(
    `SELECT id, guid, dn, ldap_timestamp AS "ldapTimestamp", source_state::text AS "sourceState", target_state::text AS "targetState",
       provider_name AS "providerName", member_dns AS "memberDns", pushed_values AS "pushedValues", dirty
     FROM group_record WHERE channel_id = $1`,
    channel.id,
  );
  const known = new Map(rows.map((r) => [r.guid, r]));
  const seen = new Set<string>();
  const changed: Array<{ dn: string; guid: string }> = [];

  for await (const entry of dir.search(source.groupBaseDn ?? source.baseDn, filter, groupAttributes(source, false))) {
    const guid = guidOf(entry, source);
    if (!guid) continue;
    stats.groupsRead++;
    seen.add(guid);
    const rec = known.get(guid);
    // the change marker (entryCSN, uSNChanged) moves on every edit, even two within one second
    const marker = changeMarker(entry, source);
    if (!rec || lookAtAll || rec.sourceState !== "IN_SCOPE" || rec.dirty || marker !== rec.ldapTimestamp || rec.dn !== entry.dn) {
      changed.push({ dn: entry.dn, guid });
    }
  }

  // members are read only for new or changed groups; their records are written 100 at a time
  let batch: TGroupUpsert[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    await ctx.lease.write((tx) => upsertGroups(tx, channel.id, b));
  };
  for (const { dn, guid } of changed) {
    const entry = await dir.read(dn, groupAttributes(source, true));
    if (!entry) continue; // deleted between the listing and now: the next cycle sees it gone
    const memberValues = [
      ...(await dir.readAllValues(dn, source.memberAttribute, entry)),
      ...(entry.attrs.uniquemember ?? []),
    ];
    const memberDns = memberDnsOf(memberValues).sort();
    const displayName = evaluate(cfg.mapping.group.displayName, entry);
    const rec = known.get(guid);
    if (displayName === undefined || displayName === "") {
      log.warn("group without a name skipped", { dn });
      continue;
    }
    const name = String(displayName);
    const membersChanged = !rec || rec.memberDns.length !== memberDns.length || rec.memberDns.some((m, i) => m !== memberDns[i]);
    const renamed = rec?.pushedValues?.displayName !== name;
    // back in scope: whatever was decided while it was gone (a deletion) is replaced
    const back = rec !== undefined && rec.sourceState !== "IN_SCOPE";
    const action = !rec || rec.targetState === "ABSENT" ? "CREATE" : membersChanged || renamed || lookAtAll || back ? "UPDATE" : "NONE";
    if (action !== "NONE") stats.groupsMarkedDirty++;
    // a GUID listed twice (a non-unique guidAttribute) must not meet itself in one statement
    batch = batch.filter((b) => b.guid !== guid);
    batch.push({
      guid,
      dn,
      provider_name: name,
      ldap_timestamp: changeMarker(entry, source),
      member_dns: memberDns,
      ldap_attributes: { ...entry.attrs, [source.memberAttribute.toLowerCase()]: [`(${memberDns.length} members)`] },
      dirty: action !== "NONE",
      pending_action: action,
      pending_values: { displayName: name },
    });
    if (batch.length >= 100) await flush();
  }
  await flush();

  // gone from the scope, only after a listing that completed; the guard decides on deletion
  const gone = rows.filter((r) => !seen.has(r.guid) && r.sourceState === "IN_SCOPE");
  if (gone.length === 0) return;
  const forget = gone.filter((r) => r.targetState === "ABSENT").map((r) => r.id);
  const rest = gone.filter((r) => r.targetState !== "ABSENT").map((r) => r.id);
  await ctx.lease.write(async (tx) => {
    if (forget.length > 0) await tx.$executeRawUnsafe(`DELETE FROM group_record WHERE id = ANY($1::bigint[])`, forget);
    if (rest.length > 0) {
      await tx.$executeRawUnsafe(
        `UPDATE group_record SET source_state = 'OUT_OF_SCOPE', dirty = false, pending_action = 'NONE', pending_values = NULL, updated_at = now()
         WHERE id = ANY($1::bigint[])`,
        rest,
      );
    }
  });
}

type TGroupUpsert = {
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

/** Insert or update a batch of group records in one statement (rows travel as one JSON array: member lists differ in length). */
async function upsertGroups(db: TSql, channelId: number, rows: TGroupUpsert[]): Promise<void> {
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
       pending_values = EXCLUDED.pending_values, updated_at = now()`,
    channelId,
    JSON.stringify(rows),
  );
}

/** What the group record keeps as its LDAP timestamp: the change marker where there is one. */
function changeMarker(entry: TLdapEntry, source: TSource): string | null {
  return firstValue(entry, source.groupChangeAttribute) ?? timestampOf(entry, source) ?? null;
}
