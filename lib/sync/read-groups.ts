// The read half of a cycle for groups. Every cycle lists the groups in scope with
// their GUID and timestamp only (cheap), fetches members just for new or changed
// groups, and — after a complete listing — records groups gone from the scope. Their
// deletion at the target is decided by deprovision.ts, behind the guard.
import type { Directory } from "../ldap/directory.ts";
import type { TSource } from "../channel-config/stored.ts";
import type { TLdapEntry } from "../ldap/directory.ts";
import { firstValue, groupAttributes, groupScopeFilter, guidOf, memberDnsOf, timestampOf } from "../ldap/scope.ts";
import { evaluate } from "../mapping/map-entry.ts";
import { loadGroups, markGroupsGone, writeGroupsRead, type TGroupUpsert } from "../records/group-records.ts";
import type { TCycleContext } from "./context.ts";

export async function readGroups(ctx: TCycleContext, dir: Directory, lookAtAll: boolean): Promise<void> {
  const { db, channel, cfg, stats, log } = ctx;
  const source = cfg.source;
  const filter = groupScopeFilter(source);
  if (!filter || !cfg.options.provisionGroups) return;

  const rows = await loadGroups(db, channel.id);
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
    await ctx.lease.write((tx) => writeGroupsRead(tx, channel.id, b));
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
      ldap_attributes: {
        ...Object.fromEntries(Object.entries(entry.attrs).filter(([k]) => !k.startsWith(`${source.memberAttribute.toLowerCase()};range=`))),
        [source.memberAttribute.toLowerCase()]: [`(${memberDns.length} members)`],
      },
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
  await ctx.lease.write((tx) => markGroupsGone(tx, gone));
}

/** What the group record keeps as its LDAP timestamp: the change marker where there is one. */
function changeMarker(entry: TLdapEntry, source: TSource): string | null {
  return firstValue(entry, source.groupChangeAttribute) ?? timestampOf(entry, source) ?? null;
}
