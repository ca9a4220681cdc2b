// The read half of a cycle for groups. Every cycle lists the groups in scope with
// their GUID and timestamp only (cheap), fetches members just for new or changed
// groups, and — after a complete listing — marks groups gone from the scope for
// deletion at the target.
import type { Directory } from "../ldap/directory.ts";
import type { TSource } from "../channels/config.ts";
import type { TLdapEntry } from "../ldap/directory.ts";
import { firstValue, groupAttributes, groupScopeFilter, guidOf, memberDnsOf, timestampOf } from "../ldap/scope.ts";
import { evaluate } from "../mapping/map-entry.ts";
import type { TCycleContext } from "./context.ts";

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
    const action = !rec || rec.targetState === "ABSENT" ? "CREATE" : membersChanged || renamed || lookAtAll ? "UPDATE" : "NONE";
    if (action !== "NONE") stats.groupsMarkedDirty++;
    await ctx.lease.write((tx) => tx.$executeRawUnsafe(
      `INSERT INTO group_record (channel_id, guid, dn, provider_name, ldap_timestamp, source_state, member_dns, ldap_attributes,
         dirty, pending_action, pending_values, updated_at)
       VALUES ($1, $2, $3, $4, $5, 'IN_SCOPE', $6::text[], $7::jsonb, $8, $9::"RecordAction", $10::jsonb, now())
       ON CONFLICT (channel_id, guid) DO UPDATE SET dn = EXCLUDED.dn, provider_name = EXCLUDED.provider_name,
         ldap_timestamp = EXCLUDED.ldap_timestamp, source_state = 'IN_SCOPE', member_dns = EXCLUDED.member_dns,
         ldap_attributes = EXCLUDED.ldap_attributes,
         dirty = group_record.dirty OR EXCLUDED.dirty,
         pending_action = CASE WHEN EXCLUDED.pending_action <> 'NONE' THEN EXCLUDED.pending_action ELSE group_record.pending_action END,
         pending_values = EXCLUDED.pending_values, updated_at = now()`,
      channel.id,
      guid,
      dn,
      name,
      changeMarker(entry, source),
      memberDns,
      JSON.stringify({ ...entry.attrs, [source.memberAttribute.toLowerCase()]: [`(${memberDns.length} members)`] }),
      action !== "NONE",
      action,
      JSON.stringify({ displayName: name }),
    ));
  }

  // deletions, only after a listing that completed
  const gone = rows.filter((r) => !seen.has(r.guid) && r.sourceState === "IN_SCOPE");
  if (gone.length === 0) return;
  if (seen.size === 0) {
    const msg = `directory returned no groups in scope where ${rows.length} were known; no group deleted`;
    stats.held.push(msg);
    log.warn(msg);
    return;
  }
  const forget = gone.filter((r) => r.targetState === "ABSENT").map((r) => r.id);
  const del = gone.filter((r) => r.targetState !== "ABSENT").map((r) => r.id);
  stats.groupsMarkedDirty += del.length;
  await ctx.lease.write(async (tx) => {
    if (forget.length > 0) await tx.$executeRawUnsafe(`DELETE FROM group_record WHERE id = ANY($1::bigint[])`, forget);
    if (del.length > 0) {
      await tx.$executeRawUnsafe(
        `UPDATE group_record SET source_state = 'OUT_OF_SCOPE', dirty = true, pending_action = 'DELETE', updated_at = now() WHERE id = ANY($1::bigint[])`,
        del,
      );
    }
  });
}

/** What the group record keeps as its LDAP timestamp: the change marker where there is one. */
function changeMarker(entry: TLdapEntry, source: TSource): string | null {
  return firstValue(entry, source.groupChangeAttribute) ?? timestampOf(entry, source) ?? null;
}
