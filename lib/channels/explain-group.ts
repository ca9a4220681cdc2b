// "Explain" for a group (issue 13): why one directory group is in the state it is in, read
// from the directory now — whether the channel provisions groups, in or out of the group
// base, the group filter — with the displayName the mapping gives it against the name the
// target acknowledged, its members now (flattened through nested groups when the channel
// flattens) against the members the target acknowledged: who would be added, who
// removed, and which directory members never reach the target and why (not users of the
// channel, not provisioned, inactive). Then the store's record, a hold on its deletion,
// what the next cycle decides, and the last provisioning-log entries. Read-only: it
// never writes the store and never sends anything to the target.
import { readStoredChannel, type TSource } from "../channel-config/stored.ts";
import type { TMappingValue, TOptions } from "../channel-config/config.ts";
import { getDb, type PrismaClient } from "../db/index.ts";
import { Directory, type TLdapEntry } from "../ldap/directory.ts";
import { groupScopeFilter, guidOf } from "../ldap/scope.ts";
import { evaluate } from "../mapping/map-entry.ts";
import { listProvisioningLog, type TLogEntryView } from "../provisioning-log/read.ts";
import { membersOf, NestedGroups } from "../sync/read-groups.ts";
import { view, type TCheck, type TExplainRecord } from "./explain-user.ts";
import { describeQuery, entryMatches as matches, findDirectoryGroup, isUnderBase, type TUserQuery } from "./find-directory-user.ts";
import { maskLdapAttributes } from "./show-record.ts";
import { requireChannel } from "./require-channel.ts";

/** Members listed per kind; the counts are whole. */
const SAMPLE = 20;

export type TMemberRef = { dn: string; name: string | null };

export type TGroupExplanation = {
  channelId: number;
  query: string;
  found: { dn: string; guid: string | null; by: "dn" | "name" | "guid"; attributes: Record<string, string[]> | null } | null;
  checks: Array<Omit<TCheck, "rule"> & { rule: "groups" | "base" | "filter" | "scope" }>;
  inScope: boolean;
  /** the displayName the mapping gives it now, and the one the target acknowledged */
  name: { now: string | null; acknowledged: string | null; changed: boolean };
  /** null when the group was not found, or is out of scope */
  members: {
    /** how its members are counted: flatten (users reachable through nested groups) or direct */
    rule: "flatten" | "direct";
    /** member DNs in the directory now, after flattening */
    directory: number;
    /** users of the channel provisioned at the target, who should be members there */
    desired: number;
    /** members the target acknowledged */
    acknowledged: number;
    toAdd: { count: number; sample: TMemberRef[] };
    toRemove: { count: number; sample: TMemberRef[] };
    /** directory members who never reach the target group, with why */
    notSent: { count: number; sample: Array<TMemberRef & { why: string }> };
  } | null;
  record: Omit<TExplainRecord, "providerName"> & { providerName: string | null; memberDns: number } | null;
  hold: { id: string; status: string; rule: string; reason: string; count: number } | null;
  decision: { action: "CREATE" | "UPDATE" | "DELETE" | "NONE"; says: string };
  summary: string;
  log: TLogEntryView[];
};

export async function explainGroup(options: { channelId: number; group: TUserQuery; logEntries?: number }): Promise<TGroupExplanation> {
  const ch = await requireChannel(options.channelId);
  const cfg = readStoredChannel(ch);
  const db = await getDb();
  const dir = await Directory.open(cfg.source);
  try {
    return await explainWith(db, dir, { id: ch.id, ...cfg }, options.group, options.logEntries ?? 10);
  } finally {
    await dir.close();
  }
}

type TChannel = { id: number; source: TSource; mapping: { group: { displayName: TMappingValue } & Record<string, TMappingValue | undefined> }; options: TOptions };

async function explainWith(db: PrismaClient, dir: Directory, channel: TChannel, query: TUserQuery, logEntries: number): Promise<TGroupExplanation> {
  const { source, options } = channel;
  const found = await findDirectoryGroup(db, dir, channel, query);
  const queryText = describeQuery(query);
  const guid = found ? guidOf(found.entry, source) : undefined;
  const row = guid ? await db.groupRecord.findFirst({ where: { channelId: channel.id, guid } }) : null;
  const record = row ? recordView(row) : null;
  const hold = row?.holdId ? await db.deprovisionHold.findUnique({ where: { id: row.holdId } }) : null;
  const holdView = hold ? { id: String(hold.id), status: hold.status, rule: hold.rule, reason: hold.reason, count: hold.count } : null;
  const log = record && logEntries > 0 ? (await listProvisioningLog(channel.id, { kind: "group", record: record.id, limit: logEntries })).entries : [];
  const acknowledgedName = pushedName(row?.pushedValues);
  const base = { channelId: channel.id, query: queryText, record, hold: holdView, log };

  if (!found) {
    return {
      ...base,
      found: null,
      checks: [],
      inScope: false,
      name: { now: null, acknowledged: acknowledgedName, changed: false },
      members: null,
      decision: { action: "NONE", says: "no directory group answers to this: nothing is decided for it here; a cycle's group listing decides about a stored group that is gone, through the deprovisioning guard" },
      summary: `not found in the directory (${queryText})`,
    };
  }

  const entry = found.entry;
  const filter = groupScopeFilter(source);
  const groupBase = source.groupBaseDn ?? source.baseDn;
  const checks: TGroupExplanation["checks"] = [];
  const provisions = options.provisionGroups && filter !== null;
  checks.push({
    rule: "groups",
    ok: provisions,
    says: provisions
      ? "the channel provisions groups"
      : !options.provisionGroups
        ? "the channel does not provision groups (options.provisionGroups is off)"
        : "the channel has no group filter (source.groupFilter): no group is provisioned",
  });
  const underBase = isUnderBase(entry.dn, groupBase);
  checks.push({ rule: "base", ok: underBase, says: underBase ? `under the group base DN ${groupBase}` : `outside the group base DN ${groupBase}: the channel never reads it` });
  const inFilter = filter !== null && (await matches(dir, entry.dn, filter));
  if (filter !== null) checks.push({ rule: "filter", ok: inFilter, says: inFilter ? `matches the group filter ${filter}` : `does not match the group filter ${filter}` });
  const inScope = provisions && underBase && inFilter;
  checks.push({ rule: "scope", ok: inScope, says: inScope ? "in scope: the cycle's group listing returns it" : "out of scope: the cycle's group listing does not return it" });

  const nameNow = evaluate(channel.mapping.group.displayName, entry);
  const now = nameNow === undefined || nameNow === "" ? null : String(nameNow);
  const name = { now, acknowledged: acknowledgedName, changed: acknowledgedName !== null && now !== null && now !== acknowledgedName };
  const members = inScope ? await compareMembers(db, dir, channel, entry, row?.id ?? null) : null;
  const decision = decide({ inScope, now, row, members, options, held: holdView });
  const summary = !inScope
    ? `out of scope: ${checks.find((c) => !c.ok)!.says}`
    : `in scope${row ? `; at the target: ${row.targetState.toLowerCase()}` : "; not in the store yet"}${members ? `; ${members.directory} member(s) in the directory, ${members.acknowledged} at the target` : ""}`;
  return {
    ...base,
    found: { dn: entry.dn, guid: guid ?? null, by: found.by, attributes: maskLdapAttributes(entry.attrs) },
    checks,
    inScope,
    name,
    members,
    decision,
    summary,
  };
}

/** The group's members now against what the target acknowledged, as push-groups.ts would send them. */
async function compareMembers(db: PrismaClient, dir: Directory, channel: TChannel, entry: TLdapEntry, groupId: bigint | null): Promise<NonNullable<TGroupExplanation["members"]>> {
  const { source, options } = channel;
  const rule = options.nestedGroups === "flatten" ? "flatten" : "direct";
  const direct = await membersOf(dir, source, entry);
  const dns = rule === "flatten" ? await new NestedGroups({ db, channelId: channel.id, source }, dir).usersReachable(entry.dn, direct) : direct;
  const removeInactive = options.deprovisionedMemberships === "remove";
  // every directory member with the channel's user record (if any): who is sent, and why not
  const rows = await db.$queryRawUnsafe<Array<{ dn: string; id: bigint | null; name: string | null; scimId: string | null; targetState: string | null; sourceState: string | null }>>(
    `SELECT m.dn, u.id, u.provider_name AS name, u.scim_id AS "scimId", u.target_state::text AS "targetState", u.source_state::text AS "sourceState"
       FROM unnest($2::text[]) AS m(dn)
       LEFT JOIN user_record u ON u.channel_id = $1 AND lower(u.dn) = m.dn
      ORDER BY m.dn`,
    channel.id,
    dns.map((d) => d.toLowerCase()),
  );
  const desired = new Map<string, TMemberRef>();
  const notSent: Array<TMemberRef & { why: string }> = [];
  for (const r of rows) {
    const why =
      r.id === null
        ? "not a user of this channel (outside its user scope, or not a user)"
        : r.scimId === null || r.targetState === "ABSENT"
          ? "not provisioned at the target (yet)"
          : removeInactive && r.targetState === "INACTIVE"
            ? "inactive at the target (deprovisionedMemberships: remove)"
            : null;
    if (why) notSent.push({ dn: r.dn, name: r.name, why });
    else desired.set(String(r.id), { dn: r.dn, name: r.name });
  }
  const acknowledged = groupId
    ? await db.$queryRawUnsafe<Array<{ id: bigint; dn: string; name: string | null }>>(
        `SELECT u.id, u.dn, u.provider_name AS name FROM group_member m JOIN user_record u ON u.id = m.user_id WHERE m.group_id = $1 ORDER BY u.provider_name, u.id`,
        groupId,
      )
    : [];
  const ackIds = new Set(acknowledged.map((a) => String(a.id)));
  const toAdd = [...desired.entries()].filter(([id]) => !ackIds.has(id)).map(([, m]) => m);
  const toRemove = acknowledged.filter((a) => !desired.has(String(a.id))).map((a) => ({ dn: a.dn, name: a.name }));
  const sample = <T>(xs: T[]) => ({ count: xs.length, sample: xs.slice(0, SAMPLE) });
  return { rule, directory: dns.length, desired: desired.size, acknowledged: acknowledged.length, toAdd: sample(toAdd), toRemove: sample(toRemove), notSent: sample(notSent) };
}

type TGroupRow = NonNullable<Awaited<ReturnType<PrismaClient["groupRecord"]["findFirst"]>>>;

function decide(s: {
  inScope: boolean;
  now: string | null;
  row: TGroupRow | null;
  members: TGroupExplanation["members"];
  options: TOptions;
  held: TGroupExplanation["hold"];
}): TGroupExplanation["decision"] {
  const atTarget = s.row !== null && s.row.targetState !== "ABSENT";
  if (!s.inScope) {
    if (!atTarget) return { action: "NONE", says: "out of scope and not at the target: nothing to do" };
    if (!s.options.provisionGroups) return { action: "NONE", says: "the channel no longer provisions groups: the target group is left as it is" };
    if (s.held?.status === "REJECTED") return { action: "NONE", says: `kept at the target: an administrator rejected its deletion (hold #${s.held.id})` };
    if (s.held) return { action: "NONE", says: `its deletion is held for approval (hold #${s.held.id}: ${s.held.reason})` };
    return { action: "DELETE", says: "out of scope: DELETE once a cycle's listing finds it gone, through the deprovisioning guard" };
  }
  if (s.now === null) return { action: "NONE", says: "the mapping gives it no displayName: a cycle skips it" };
  if (!atTarget) return { action: "CREATE", says: `not at the target yet: create "${s.now}"${s.members ? ` with ${s.members.desired} member(s)` : ""}` };
  const why: string[] = [];
  const acknowledged = pushedName(s.row!.pushedValues);
  if (acknowledged !== null && acknowledged !== s.now) why.push(`rename "${acknowledged}" → "${s.now}"`);
  if (s.members && s.members.toAdd.count > 0) why.push(`add ${s.members.toAdd.count} member(s)`);
  if (s.members && s.members.toRemove.count > 0) why.push(`remove ${s.members.toRemove.count} member(s)`);
  if (why.length > 0) return { action: "UPDATE", says: `${why.join(", ")}` };
  if (s.row!.dirty) return { action: "UPDATE", says: `dirty in the store (${s.row!.pendingAction}): the next cycle sends it` };
  return { action: "NONE", says: "up to date at the target: name and members as the directory has them" };
}

function pushedName(v: unknown): string | null {
  const n = v && typeof v === "object" ? (v as { displayName?: unknown }).displayName : undefined;
  return typeof n === "string" ? n : null;
}

function recordView(r: TGroupRow): NonNullable<TGroupExplanation["record"]> {
  return { ...view(r), memberDns: r.memberDns.length };
}
