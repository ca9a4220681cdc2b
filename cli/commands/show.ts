// --show-user / --show-group with -u <provider name> or -g <LDAP GUID>.
import { showRecord, type TGroupRecordView, type TRecordLookup, type TRecordRef, type TUserRecordView } from "../../lib/channels/show-record.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtDate, keyValues, multiValues, NONE, table } from "../format.ts";

function internalFields(r: TUserRecordView | TGroupRecordView): Array<[string, unknown]> {
  return [
    ["Record ID", r.id],
    ["Channel", r.channelId],
    ["LDAP GUID", r.guid],
    ["DN", r.dn],
    ["Provider name", r.providerName],
    ["SCIM ID", r.scimId],
    ["Source state", r.sourceState],
    ["Target state", r.targetState],
    ["Dirty", r.dirty],
    ["Pending action", r.pendingAction],
    ["Held for approval", r.holdId ? `hold #${r.holdId} (provmgr -c ${r.channelId} --show-holds)` : null],
    ["Pending values hash", r.pendingHash],
    ["Values hash", r.valuesHash],
    [r.kind === "user" ? "LDAP timestamp" : "LDAP change marker", r.ldapTimestamp],
    ["Last error", r.lastError],
    ["Attempts", r.attempts],
    ["Last attempt", fmtDate(r.lastAttemptAt)],
    ["Last synced", fmtDate(r.lastSyncedAt)],
    ["Created", fmtDate(r.createdAt)],
    ["Updated", fmtDate(r.updatedAt)],
  ];
}

function values(title: string, v: Record<string, unknown> | null, empty: string): string[] {
  const entries = Object.entries(v ?? {});
  return [title, ...(entries.length ? keyValues(entries) : [`  ${empty}`])];
}

function refs(title: string, list: TRecordRef[], empty: string): string[] {
  if (list.length === 0) return [title, `  ${empty}`];
  return [
    title,
    ...table(
      ["PROVIDER NAME", "SCIM ID", "LDAP GUID", "DN"],
      list.map((m) => [m.providerName ?? NONE, m.scimId ?? NONE, m.guid, m.dn]),
    ).map((l) => `  ${l}`),
  ];
}

function userLines(r: TUserRecordView): string[] {
  return [
    `User ${r.providerName ?? r.guid} (channel ${r.channelId})`,
    ...keyValues(internalFields(r)),
    ...values("Transitory mapping fields (waiting to be pushed)", r.pendingValues, "(none: nothing is waiting)"),
    ...values("Values acknowledged by the target", r.pushedValues, "(none)"),
    "LDAP attributes retrieved",
    ...(r.ldapAttributes && Object.keys(r.ldapAttributes).length ? multiValues(r.ldapAttributes) : ["  (none)"]),
    ...refs(`Groups acknowledged by the target (${r.groups.length})`, r.groups, "(none)"),
  ];
}

function groupLines(r: TGroupRecordView): string[] {
  return [
    `Group ${r.providerName ?? r.guid} (channel ${r.channelId})`,
    ...keyValues([...internalFields(r), ["Resync members", r.resyncMembers]]),
    ...values("Transitory mapping fields (waiting to be pushed)", r.pendingValues, "(none: nothing is waiting)"),
    ...values("Values acknowledged by the target", r.pushedValues, "(none)"),
    "LDAP attributes retrieved",
    ...(r.ldapAttributes && Object.keys(r.ldapAttributes).length ? multiValues(r.ldapAttributes) : ["  (none)"]),
    `Member DNs read from the directory (${r.memberDns.length})`,
    ...(r.memberDns.length ? r.memberDns.map((dn) => `  ${dn}`) : ["  (none)"]),
    ...refs(`Members acknowledged by the target (${r.members.length})`, r.members, "(none)"),
  ];
}

export async function showUser(ctx: TCommandContext, channelId: number, lookup: TRecordLookup): Promise<TSummary> {
  const records = await showRecord({ channelId, kind: "user", lookup });
  if (ctx.out.json) await ctx.out.value({ command: "show-user", channelId, records });
  else await ctx.out.lines(records.flatMap((r, i) => [...(i > 0 ? [""] : []), ...userLines(r)]));
  return { records: records.length };
}

export async function showGroup(ctx: TCommandContext, channelId: number, lookup: TRecordLookup): Promise<TSummary> {
  const records = await showRecord({ channelId, kind: "group", lookup });
  if (ctx.out.json) await ctx.out.value({ command: "show-group", channelId, records });
  else await ctx.out.lines(records.flatMap((r, i) => [...(i > 0 ? [""] : []), ...groupLines(r)]));
  return { records: records.length };
}
