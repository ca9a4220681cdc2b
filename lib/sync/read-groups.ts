// The read half of a cycle for groups. A cycle lists the groups in scope with their
// GUID and timestamp only (cheap) — unless the directory has not been written since the
// last complete listing (its change marker) — fetches members just for new or changed
// groups, and — after a complete listing — records groups gone from the scope. Their
// deletion at the target is decided by deprovision.ts, behind the guard.
import { createHash } from "node:crypto";
import type { Directory } from "../ldap/directory.ts";
import type { TSource } from "../channel-config/stored.ts";
import type { TLdapEntry } from "../ldap/directory.ts";
import { firstValue, groupAttributes, groupScopeFilter, guidOf, memberDnsOf, timestampOf } from "../ldap/scope.ts";
import { evaluate, type TFlatValue } from "../mapping/map-entry.ts";
import { mappingAttributes } from "../mapping/mapping-attributes.ts";
import { loadGroups, loadGroupsByGuid, markGroupsGone, writeGroupsRead, type TGroupListed, type TGroupRow, type TGroupUpsert } from "../records/group-records.ts";
import type { TSql } from "../db/index.ts";
import type { TCycleContext } from "./context.ts";
import { directoryChangeMarker } from "../ldap/directory-marker.ts";

/**
 * `lookAtAll` (a reset): every group is read and pushed again. `rereadMembers` (a full
 * read of flattened groups): every group's members are read again, and the group is
 * pushed only if they changed. `full`: the cycle reads everything; otherwise, when the
 * directory's change marker and the group settings are where the last complete listing
 * left them, nothing was written since and the listing is left out (at a million users,
 * 10,000 groups took 2 s of every idle cycle). Returns what to store as that marker once
 * the cycle's read has completed (null: none).
 */
export async function readGroups(
  ctx: TCycleContext,
  dir: Directory,
  lookAtAll: boolean,
  rereadMembers = false,
  full = true,
  /** the directory's marker, taken by the cycle before its read; undefined: taken here */
  takenMarker?: string | null,
): Promise<string | null> {
  const { db, channel, cfg, stats, log } = ctx;
  const source = cfg.source;
  const filter = groupScopeFilter(source);
  if (!filter || !cfg.options.provisionGroups) return null;

  // taken before the listing: a write during it moves the marker, and the next cycle lists again
  const dirMarker = takenMarker === undefined ? await directoryChangeMarker(dir, source) : takenMarker;
  const marker = dirMarker === null ? null : `${dirMarker}|${groupSettingsFingerprint(cfg)}`;
  if (!full && !lookAtAll && !rereadMembers && marker !== null && marker === channel.groupsMarker) {
    stats.groupsListingSkipped = true;
    return marker;
  }

  const { rows, seen, changed } = await listGroupChanges(db, channel.id, dir, source, filter, lookAtAll || rereadMembers);
  stats.groupsRead += seen.size;

  // members are read only for new or changed groups; their records are written 100 at a time
  let batch: TGroupUpsert[] = [];
  const flush = async () => {
    if (batch.length === 0) return;
    const b = batch;
    batch = [];
    await ctx.lease.write((tx) => writeGroupsRead(tx, channel.id, b));
  };
  const flatten = cfg.options.nestedGroups === "flatten" ? new NestedGroups({ db, channelId: channel.id, source }, dir) : null;
  // the group's own attributes and those its mapping reads (an expression may read any)
  const attributes = [...new Set([...groupAttributes(source, true), ...mappingAttributes(cfg.mapping.group)])];
  // the whole records (members, pushed name) of the changed groups only, 500 at a time
  let whole = new Map<string, TGroupRow>();
  for (const [i, { dn, guid }] of changed.entries()) {
    if (i % 500 === 0) whole = await loadGroupsByGuid(db, channel.id, changed.slice(i, i + 500).map((c) => c.guid));
    const entry = await dir.read(dn, attributes);
    if (!entry) continue; // deleted between the listing and now: the next cycle sees it gone
    const direct = await membersOf(dir, source, entry);
    const memberDns = (flatten ? await flatten.usersReachable(entry.dn, direct) : direct).sort();
    let displayName: TFlatValue | undefined;
    let externalId: TFlatValue | undefined;
    try {
      displayName = evaluate(cfg.mapping.group.displayName, entry);
      externalId = cfg.mapping.group.externalId === undefined ? undefined : evaluate(cfg.mapping.group.externalId, entry);
    } catch (err) {
      log.warn("group whose mapping fails skipped", { dn, error: (err as Error).message });
      continue;
    }
    const rec = whole.get(guid);
    if (displayName === undefined || displayName === "" || Array.isArray(displayName)) {
      log.warn("group without a name skipped", { dn });
      continue;
    }
    const name = String(displayName);
    const extId = externalId === undefined || externalId === "" ? undefined : Array.isArray(externalId) ? externalId[0] : String(externalId);
    const membersChanged = !rec || rec.memberDns.length !== memberDns.length || rec.memberDns.some((m, i) => m !== memberDns[i]);
    const renamed = rec?.pushedValues?.displayName !== name || rec?.pushedValues?.externalId !== extId;
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
      pending_values: { displayName: name, ...(extId !== undefined ? { externalId: extId } : {}) },
    });
    if (batch.length >= 100) await flush();
  }
  await flush();

  // gone from the scope, only after a listing that completed; the guard decides on deletion
  const gone = groupsGone(rows, seen);
  if (gone.length > 0) await ctx.lease.write((tx) => markGroupsGone(tx, gone));
  return marker;
}

/**
 * The groups' listing (GUIDs and change markers only) against the store: the groups that
 * are new or changed (all of them with `all`), and every GUID seen. Shared by the cycle
 * and by the look before a scheduled cycle (quiet-poll.ts), so that both call the same
 * groups changed.
 */
export async function listGroupChanges(
  db: TSql,
  channelId: number,
  dir: Directory,
  source: TSource,
  filter: string,
  all = false,
): Promise<{ rows: TGroupListed[]; seen: Set<string>; changed: Array<{ dn: string; guid: string }> }> {
  const rows = await loadGroups(db, channelId);
  const known = new Map(rows.map((r) => [r.guid, r]));
  const seen = new Set<string>();
  const changed: Array<{ dn: string; guid: string }> = [];
  for await (const entry of dir.search(source.groupBaseDn ?? source.baseDn, filter, groupAttributes(source, false))) {
    const guid = guidOf(entry, source);
    if (!guid) continue;
    seen.add(guid);
    const rec = known.get(guid);
    // the change marker (entryCSN, uSNChanged) moves on every edit, even two within one second
    const marker = changeMarker(entry, source);
    if (!rec || all || rec.sourceState !== "IN_SCOPE" || rec.dirty || marker !== rec.ldapTimestamp || rec.dn !== entry.dn) {
      changed.push({ dn: entry.dn, guid });
    }
  }
  return { rows, seen, changed };
}

/** In-scope group records a completed listing did not see: gone from the scope. */
export function groupsGone(rows: TGroupListed[], seen: Set<string>): TGroupListed[] {
  return rows.filter((r) => !seen.has(r.guid) && r.sourceState === "IN_SCOPE");
}

/** What of the channel's settings decides the groups' listing and records: a change of any of them lists the groups again. */
function groupSettingsFingerprint(cfg: TCycleContext["cfg"]): string {
  const s = cfg.source;
  const decides = {
    source: [s.url, s.baseDn, s.groupBaseDn, s.groupFilter, s.groupDn, s.guidAttribute, s.timestampAttribute, s.groupChangeAttribute, s.groupNameAttribute, s.memberAttribute],
    options: [cfg.options.provisionGroups, cfg.options.nestedGroups],
    mapping: cfg.mapping.group,
  };
  return createHash("sha256").update(JSON.stringify(decides)).digest("base64url").slice(0, 22);
}

/** What the group record keeps as its LDAP timestamp: the change marker where there is one. */
function changeMarker(entry: TLdapEntry, source: TSource): string | null {
  return firstValue(entry, source.groupChangeAttribute) ?? timestampOf(entry, source) ?? null;
}

/** A group entry's member DNs (ranged values read in full, uniqueMember too), lowercased. */
export async function membersOf(dir: Directory, source: TSource, entry: TLdapEntry): Promise<string[]> {
  return memberDnsOf([...(await dir.readAllValues(entry.dn, source.memberAttribute, entry)), ...(entry.attrs.uniquemember ?? [])]);
}

/**
 * options.nestedGroups flatten: the users reachable from a group through the groups
 * nested in it, at any depth (a cycle of groups is followed once). A member DN the store
 * knows as a user is a user; any other member is read once per cycle (cached for every
 * group that names it) and, if it has members, is a nested group whose members count.
 * Members that are neither (users outside the scope) stay in the list as they are: the
 * push gives the target only members provisioned there, as for direct members.
 */
export class NestedGroups {
  private readonly cache = new Map<string, string[] | null>();

  constructor(
    private readonly of: { db: TSql; channelId: number; source: TSource },
    private readonly dir: Directory,
  ) {}

  async usersReachable(groupDn: string, direct: string[]): Promise<string[]> {
    const out = new Set<string>();
    const visited = new Set<string>([groupDn.toLowerCase()]);
    let frontier = direct;
    while (frontier.length > 0) {
      const users = await this.knownUsers(frontier);
      const next: string[] = [];
      for (const dn of frontier) {
        if (users.has(dn)) {
          out.add(dn);
          continue;
        }
        if (visited.has(dn)) continue;
        visited.add(dn);
        const members = await this.nestedMembers(dn);
        if (members === null) out.add(dn);
        else next.push(...members);
      }
      frontier = next;
    }
    return [...out];
  }

  /** Which of these DNs are user records of the channel (one query). */
  private async knownUsers(dns: string[]): Promise<Set<string>> {
    const rows = await this.of.db.$queryRawUnsafe<Array<{ dn: string }>>(
      `SELECT lower(dn) AS dn FROM user_record WHERE channel_id = $1 AND lower(dn) = ANY($2::text[])`,
      this.of.channelId,
      dns,
    );
    return new Set(rows.map((r) => r.dn));
  }

  /** A nested group's member DNs, or null when the entry is not a group (or no longer exists). */
  private async nestedMembers(dn: string): Promise<string[] | null> {
    if (this.cache.has(dn)) return this.cache.get(dn)!;
    const source = this.of.source;
    const entry = await this.dir.read(dn, [source.memberAttribute, "uniqueMember", "objectClass"]);
    const isGroup = entry !== null && (entry.attrs[source.memberAttribute.toLowerCase()] !== undefined || entry.attrs.uniquemember !== undefined
      || Object.keys(entry.attrs).some((k) => k.startsWith(`${source.memberAttribute.toLowerCase()};range=`))
      || (entry.attrs.objectclass ?? []).some((c) => /^(group|groupofnames|groupofuniquenames)$/i.test(c)));
    const members = isGroup ? await membersOf(this.dir, source, entry) : null;
    this.cache.set(dn, members);
    return members;
  }
}
