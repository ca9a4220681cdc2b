// "Explain" (issue 13): why one directory user is in the state it is in, read from the
// directory now — in or out of the base DN, the scope filter, membership of the
// provisioning group (direct, through which nested group, or none), the disabled rule —
// with the values the mapping gives it and which of them differ from what the target
// last acknowledged, the store's record, a deprovisioning hold covering it, what the
// rulebook would decide now, and the last provisioning-log entries for it. Read-only: it
// never writes the store and never sends anything to the target.
import { readStoredChannel, type TSource } from "../channel-config/stored.ts";
import type { TOptions } from "../channel-config/config.ts";
import type { PrismaClient } from "../db/index.ts";
import { getDb } from "../db/index.ts";
import { Directory, escapeFilterValue, type TLdapEntry } from "../ldap/directory.ts";
import { accountExpired, firstValue, guidOf, isDisabled, memberDnsOf, timestampOf, userScopeFilter } from "../ldap/scope.ts";
import { hashValues, mapEntryChecked, type TFlatValues } from "../mapping/map-entry.ts";
import { listProvisioningLog, type TLogEntryView } from "../provisioning-log/read.ts";
import { decideInScope, deprovisionAction, type TAction } from "../sync/decide.ts";
import type { TKnownState } from "../records/states.ts";
import { describeQuery, entryMatches as matches, findDirectoryUser, isUnderBase, normDn, type TUserQuery } from "./find-directory-user.ts";
import { maskLdapAttributes } from "./show-record.ts";
import type { TRecordRow as TListedRecord } from "./list-records.ts";
import { requireChannel } from "./require-channel.ts";

export type TCheck = { rule: "base" | "object" | "filter" | "group" | "disabled" | "scope"; ok: boolean; says: string };

/** The store's record, as the records list shows it, with when a refused one is tried again. */
export type TExplainRecord = Omit<TListedRecord, "updatedAt" | "memberCount"> & { nextAttemptAt: Date | null };

export type TUserExplanation = {
  channelId: number;
  query: string;
  /** the directory's entry, or null when no user answers to the query */
  found: { dn: string; guid: string | null; by: "dn" | "name" | "guid"; timestamp: string | null; attributes: Record<string, string[]> | null } | null;
  /** each rule of the scope, in the order the cycle applies them */
  checks: TCheck[];
  inScope: boolean;
  disabled: boolean;
  /** the nested path when membership runs through groups: provisioning group first, the user's own group last */
  memberPath: string[] | null;
  /** `error`: the first mapping value that cannot be computed for this user (the user stays dirty with it, nothing sent) */
  mapped: { values: TFlatValues; hash: string; error: string | null; changed: Array<{ attribute: string; acknowledged: unknown; now: unknown }> } | null;
  record: TExplainRecord | null;
  hold: { id: string; status: string; rule: string; reason: string; count: number } | null;
  /** what the rulebook decides for it now, and why */
  decision: { action: TAction | "NONE"; says: string };
  /** one sentence */
  summary: string;
  log: TLogEntryView[];
};

export async function explainUser(options: { channelId: number; user: TUserQuery; logEntries?: number }): Promise<TUserExplanation> {
  const ch = await requireChannel(options.channelId);
  const cfg = readStoredChannel(ch);
  const db = await getDb();
  const dir = await Directory.open(cfg.source);
  try {
    return (await explainWith(db, dir, { id: ch.id, ...cfg }, options.user, options.logEntries ?? 10)).explanation;
  } finally {
    await dir.close();
  }
}

/**
 * The explanation over an open directory connection, with the entry as read (unmasked:
 * provision-on-demand stores it as a cycle would; never sent to a client).
 */
export async function explainWith(
  db: PrismaClient,
  dir: Directory,
  channel: { id: number; source: TSource; mapping: { user: Parameters<typeof mapEntryChecked>[1] }; options: TOptions },
  query: TUserQuery,
  logEntries: number,
): Promise<{ explanation: TUserExplanation; entry: TLdapEntry | null }> {
  const { source, options } = channel;
  const found = await findDirectoryUser(db, dir, { id: channel.id, source, mapping: channel.mapping.user }, query);
  const queryText = describeQuery(query);
  const recordRow = found ? await loadRecord(db, channel.id, guidOf(found.entry, source)) : null;
  const record = recordRow ? view(recordRow) : null;
  const hold = record?.holdId ? await db.deprovisionHold.findUnique({ where: { id: BigInt(record.holdId) } }) : null;
  const log = record && logEntries > 0 ? (await listProvisioningLog(channel.id, { kind: "user", record: record.id, limit: logEntries })).entries : [];
  const holdView = hold ? { id: String(hold.id), status: hold.status, rule: hold.rule, reason: hold.reason, count: hold.count } : null;

  if (!found) {
    const decision = {
      action: "NONE" as const,
      says: "no directory user answers to this: nothing is decided for it here; a full read decides about a stored user who is gone, through the deprovisioning guard",
    };
    const explanation: TUserExplanation = {
      channelId: channel.id,
      query: queryText,
      found: null,
      checks: [],
      inScope: false,
      disabled: false,
      memberPath: null,
      mapped: null,
      record,
      hold: holdView,
      decision,
      summary: `not found in the directory (${queryText})`,
      log,
    };
    return { explanation, entry: null };
  }

  const entry = found.entry;
  const checks: TCheck[] = [];
  const underBase = isUnderBase(entry.dn, source.baseDn);
  checks.push({ rule: "base", ok: underBase, says: underBase ? `under the base DN ${source.baseDn}` : `outside the base DN ${source.baseDn}: the channel never reads it` });
  const isObject = await matches(dir, entry.dn, source.userObjectFilter);
  checks.push({ rule: "object", ok: isObject, says: isObject ? `matches the user filter ${source.userObjectFilter}` : `does not match the user filter ${source.userObjectFilter}: not a user to this channel` });

  let memberPath: string[] | null = null;
  if (source.groupDn) {
    const path = await membershipPath(dir, source, entry.dn);
    const direct = path !== null && path.length === 1;
    const nested = path !== null && path.length > 1;
    memberPath = path;
    const counts = direct || (nested && source.nestedGroups);
    checks.push({
      rule: "group",
      ok: counts,
      says: direct
        ? `a direct member of the provisioning group ${source.groupDn}`
        : nested
          ? `a member of the provisioning group ${source.groupDn} through nested group${path!.length > 2 ? "s" : ""} ${path!.slice(1).join(" → ")}` +
            (source.nestedGroups ? "" : " — but nested membership does not count: the channel's source.nestedGroups is off")
          : `not a member of the provisioning group ${source.groupDn}, directly or through nested groups`,
    });
  } else {
    const f = source.filter ?? "(objectClass=*)";
    const ok = await matches(dir, entry.dn, f);
    checks.push({ rule: "filter", ok, says: ok ? `matches the scope filter ${f}` : `does not match the scope filter ${f}` });
  }
  // the cycle's own filter, asked of the directory for this entry: the authority on the scope
  const inFilter = await matches(dir, entry.dn, userScopeFilter(source));
  const inScope = underBase && inFilter;
  checks.push({
    rule: "scope",
    ok: inScope,
    says: inScope ? `in scope: the cycle's filter ${userScopeFilter(source)} returns it under the base DN` : `out of scope: the cycle's search (${userScopeFilter(source)} under ${source.baseDn}) does not return it`,
  });
  const disabled = isDisabled(entry, source);
  checks.push({ rule: "disabled", ok: !disabled, says: disabledSays(entry, source, disabled) });

  const { values, error: mappingError } = mapEntryChecked(entry, channel.mapping.user);
  const hash = hashValues(values);
  const acknowledged = (recordRow?.pushedValues ?? null) as Record<string, unknown> | null;
  const changed = acknowledged
    ? [...new Set([...Object.keys(values), ...Object.keys(acknowledged)])]
        .sort()
        .filter((k) => String(values[k] ?? "") !== String(acknowledged[k] ?? ""))
        .map((k) => ({ attribute: k, acknowledged: acknowledged[k] ?? null, now: values[k] ?? null }))
    : [];

  const decided = decide(recordRow, { inScope, disabled, hash, values }, options);
  // as the read does: a value that cannot be computed is not sent as missing; a rejected hold keeps the user
  const decision =
    holdView?.status === "REJECTED" && (decided.action === "DISABLE" || decided.action === "DELETE")
      ? { action: "NONE" as const, says: `kept at the target: an administrator rejected its ${decided.action.toLowerCase()} (hold #${holdView.id}) until it comes back in the directory or the hold is approved` }
      : mappingError && (decided.action === "CREATE" || decided.action === "UPDATE" || decided.action === "ENABLE")
        ? { action: "NONE" as const, says: `${mappingError}: the user stays dirty with this error and nothing is sent` }
      : decided;
  const summary = !inScope
    ? `out of scope: ${checks.find((c) => !c.ok && c.rule !== "disabled" && c.rule !== "scope")?.says ?? checks.find((c) => c.rule === "scope")!.says}`
    : disabled
      ? `in scope but disabled in the directory (${checks.find((c) => c.rule === "disabled")!.says})`
      : `in scope and enabled${record ? `; at the target: ${record.targetState.toLowerCase()}` : "; not in the store yet"}`;
  const explanation: TUserExplanation = {
    channelId: channel.id,
    query: queryText,
    found: {
      dn: entry.dn,
      guid: guidOf(entry, source) ?? null,
      by: found.by,
      timestamp: timestampOf(entry, source) ?? null,
      attributes: maskLdapAttributes(entry.attrs),
    },
    checks,
    inScope,
    disabled,
    memberPath,
    mapped: { values, hash, error: mappingError?.message ?? null, changed },
    record,
    hold: holdView,
    decision,
    summary,
    log,
  };
  return { explanation, entry };
}

type TRecordRow = NonNullable<Awaited<ReturnType<typeof loadRecord>>>;

async function loadRecord(db: PrismaClient, channelId: number, guid: string | undefined) {
  if (!guid) return null;
  return db.userRecord.findFirst({ where: { channelId, guid } });
}

/** The store's record as explain shows it: a user's or a group's (the same columns). */
export function view(r: Pick<TRecordRow, keyof TExplainRecord | "id" | "holdId">): TExplainRecord {
  return {
    id: String(r.id),
    guid: r.guid,
    dn: r.dn,
    providerName: r.providerName,
    scimId: r.scimId,
    sourceState: r.sourceState,
    targetState: r.targetState,
    dirty: r.dirty,
    pendingAction: r.pendingAction,
    lastError: r.lastError,
    attempts: r.attempts,
    lastAttemptAt: r.lastAttemptAt,
    nextAttemptAt: r.nextAttemptAt,
    lastSyncedAt: r.lastSyncedAt,
    holdId: r.holdId === null ? null : String(r.holdId),
  };
}

/** What the rulebook (decide.ts) says for this user now. */
function decide(
  rec: TRecordRow | null,
  seen: { inScope: boolean; disabled: boolean; hash: string; values: TFlatValues },
  options: TOptions,
): { action: TAction; says: string } {
  const known: TKnownState | undefined = rec
    ? { sourceState: rec.sourceState, targetState: rec.targetState, dirty: rec.dirty, pendingAction: rec.pendingAction, valuesHash: rec.valuesHash, ldapTimestamp: rec.ldapTimestamp }
    : undefined;
  if (!seen.inScope) {
    if (!known || known.targetState === "ABSENT") return { action: "NONE", says: "out of scope and not at the target: nothing to do" };
    const a = deprovisionAction({ sourceState: "OUT_OF_SCOPE", targetState: known.targetState }, options);
    return {
      action: a,
      says: a === "NONE" ? "out of scope; the channel's options leave it at the target as it is" : `out of scope: ${a} once a read finds it gone, through the deprovisioning guard`,
    };
  }
  if (seen.values.userName === undefined) return { action: "NONE", says: "the mapping gives no userName: it cannot be matched or created at the target" };
  if (seen.disabled && known && known.targetState !== "ABSENT") {
    const a = deprovisionAction({ sourceState: "DISABLED", targetState: known.targetState }, options);
    if (a !== "NONE") return { action: a, says: `disabled in the directory: ${a} (a cycle decides it through the deprovisioning guard; provision on demand does it for this one user)` };
  }
  const a = decideInScope(known, { timestamp: undefined, disabled: seen.disabled, hash: seen.hash }, options);
  const says: Record<TAction, string> = {
    NONE: known?.targetState === "ACTIVE" && known.valuesHash === seen.hash ? "up to date at the target: nothing to send" : "nothing to send under the channel's options",
    CREATE: "not at the target yet: create",
    UPDATE: "mapped values differ from what the target acknowledged: update",
    ENABLE: "inactive at the target and enabled in the directory: enable",
    DISABLE: "disable",
    DELETE: "delete",
  };
  return { action: a, says: says[a] };
}

function disabledSays(entry: TLdapEntry, source: TSource, disabled: boolean): string {
  const rule = source.disabled;
  if (rule.kind === "none") return "enabled: the channel has no disabled rule";
  if (rule.kind === "attribute") {
    return disabled ? `disabled by the rule ${rule.attribute}=${rule.value}` : `enabled: ${rule.attribute} is not ${rule.value}`;
  }
  const uac = Number(firstValue(entry, "userAccountControl") ?? "0");
  if ((uac & 0x2) !== 0) return `disabled by userAccountControl ${uac} (ACCOUNTDISABLE, 0x2)`;
  if (accountExpired(firstValue(entry, "accountExpires"), Date.now())) return "disabled: accountExpires has passed";
  return "enabled: userAccountControl has no ACCOUNTDISABLE and accountExpires has not passed";
}

/**
 * The path from the provisioning group down to the group holding the user directly
 * (breadth first, at most 500 groups), or null when it is no member at all.
 */
async function membershipPath(dir: Directory, source: TSource, userDn: string): Promise<string[] | null> {
  const target = normDn(userDn);
  const start = source.groupDn!;
  const seen = new Set<string>([normDn(start)]);
  let layer: string[][] = [[start]];
  while (layer.length > 0 && seen.size <= 500) {
    const next: string[][] = [];
    for (const path of layer) {
      const members = await groupMembers(dir, source, path[path.length - 1]!);
      if (members.some((m) => normDn(m) === target)) return path;
      for (const m of members) {
        const n = normDn(m);
        if (seen.has(n)) continue;
        seen.add(n);
        // only groups are followed; a user entry answers null to this
        if (await isGroup(dir, m)) next.push([...path, m]);
      }
    }
    layer = next;
  }
  return null;
}

async function groupMembers(dir: Directory, source: TSource, dn: string): Promise<string[]> {
  const attr = source.memberAttribute;
  const e = await dir.read(dn, [attr, "uniqueMember"]);
  if (!e) return [];
  const values = source.directoryType === "active-directory" ? await dir.readAllValues(dn, attr, e) : (e.attrs[attr.toLowerCase()] ?? []);
  return memberDnsOf([...values, ...(e.attrs["uniquemember"] ?? [])]);
}

async function isGroup(dir: Directory, dn: string): Promise<boolean> {
  try {
    return await matches(dir, dn, `(|(objectClass=group)(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=${escapeFilterValue("posixGroup")}))`);
  } catch {
    return false;
  }
}
