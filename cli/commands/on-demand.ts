// --explain-user, --explain-group and --provision-user (issue 13): one directory user (or
// group), by name or DN (-u) or GUID (-g), explained read-only or provisioned now, step by
// step.
import { explainGroup, type TGroupExplanation, type TMemberRef } from "../../lib/channels/explain-group.ts";
import { explainUser, type TUserExplanation } from "../../lib/channels/explain-user.ts";
import { looksLikeDn, type TUserQuery } from "../../lib/channels/find-directory-user.ts";
import { provisionOnDemand, type TOnDemandResult } from "../../lib/channels/provision-on-demand.ts";
import type { TRecordLookup } from "../../lib/channels/show-record.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtDate, fmtValue, keyValues, NONE, oneLine } from "../format.ts";

/** -u is a user name or, when it reads as one, a DN; -g a GUID. */
export function userQuery(lookup: TRecordLookup): TUserQuery {
  if ("guid" in lookup) return { guid: lookup.guid };
  return looksLikeDn(lookup.providerName) ? { dn: lookup.providerName } : { name: lookup.providerName };
}

export function explanationLines(ex: TUserExplanation): string[] {
  const lines = [`Explain ${ex.query} (channel ${ex.channelId}): ${ex.summary}`];
  if (ex.found) {
    lines.push(...keyValues([["DN", ex.found.dn], ["GUID", ex.found.guid ?? NONE], ["found by", ex.found.by]]));
    lines.push("Scope");
    for (const c of ex.checks) lines.push(`  ${c.ok ? "yes" : "NO "}  ${c.rule.padEnd(8)} ${c.says}`);
    if (ex.memberPath && ex.memberPath.length > 1) lines.push(`  path: ${ex.memberPath.join(" → ")}`);
  }
  if (ex.mapped) {
    lines.push("Mapped values");
    const changed = new Map(ex.mapped.changed.map((c) => [c.attribute, c]));
    for (const [k, v] of Object.entries(ex.mapped.values)) {
      const c = changed.get(k);
      lines.push(`  ${k} = ${fmtValue(v)}${c ? `   (the target acknowledged ${fmtValue(c.acknowledged)})` : ""}`);
    }
    for (const c of ex.mapped.changed.filter((c) => !(c.attribute in ex.mapped!.values))) lines.push(`  ${c.attribute} = ${NONE}   (the target acknowledged ${fmtValue(c.acknowledged)})`);
  }
  lines.push(`Decision: ${ex.decision.action} — ${ex.decision.says}`);
  lines.push(...recordLines(ex));
  return lines;
}

/** The record, a hold and the last log entries: the same for a user and a group. */
function recordLines(ex: Pick<TUserExplanation, "record" | "hold" | "log">): string[] {
  const lines: string[] = [];
  if (ex.record) {
    const r = ex.record;
    lines.push(`Record ${r.id}`);
    lines.push(
      ...keyValues([
        ["source state", r.sourceState],
        ["target state", r.targetState],
        ["SCIM id", r.scimId ?? NONE],
        ["dirty", r.dirty ? `yes, ${r.pendingAction}` : "no"],
        ["last error", r.lastError ? oneLine(r.lastError) : NONE],
        ["attempts", r.attempts],
        ["next attempt", fmtDate(r.nextAttemptAt)],
        ["last synced", fmtDate(r.lastSyncedAt)],
      ]),
    );
  } else lines.push("Record: none in the store");
  if (ex.hold) lines.push(`Held: deprovisioning hold #${ex.hold.id} (${ex.hold.status}): ${ex.hold.reason}`);
  if (ex.log.length) {
    lines.push("Last provisioning-log entries");
    for (const e of ex.log) lines.push(`  ${fmtDate(e.at)}  ${e.action.padEnd(8)} ${e.method} ${e.path}  ${e.status}${e.error ? `  ${oneLine(e.error)}` : ""}${e.cycleId ? `  cycle ${e.cycleId}` : "  on demand"}`);
  }
  return lines;
}

export function onDemandLines(r: TOnDemandResult): string[] {
  return [
    `Provision ${r.query} now (channel ${r.channelId})${r.waitedMs >= 1000 ? `, after waiting ${Math.round(r.waitedMs / 1000)} s for a running cycle` : ""}`,
    ...r.steps.map((s, i) => `  ${i + 1}. ${s.step.padEnd(6)} ${s.ok ? "ok  " : "FAIL"} ${s.says}`),
    r.ok ? `Done: ${r.action === "NONE" ? "nothing sent" : `${r.action} acknowledged by the target`}.` : `Not done: ${r.action === "NONE" ? "nothing sent" : `${r.action} refused`}.`,
  ];
}

export async function explainUserCommand(ctx: TCommandContext, channelId: number, lookup: TRecordLookup): Promise<TSummary> {
  const ex = await explainUser({ channelId, user: userQuery(lookup) });
  if (ctx.out.json) await ctx.out.value({ command: "explain-user", ...ex });
  else await ctx.out.lines(explanationLines(ex));
  return { found: ex.found !== null, inScope: ex.inScope };
}

export async function provisionUserCommand(ctx: TCommandContext, channelId: number, lookup: TRecordLookup): Promise<TSummary> {
  const r = await provisionOnDemand({ channelId, user: userQuery(lookup), ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "provision-user", ...r });
  else await ctx.out.lines(onDemandLines(r));
  return { action: r.action, ok: r.ok };
}

export function groupExplanationLines(ex: TGroupExplanation): string[] {
  const lines = [`Explain group ${ex.query} (channel ${ex.channelId}): ${ex.summary}`];
  const who = (m: TMemberRef) => m.name ?? m.dn;
  if (ex.found) {
    lines.push(...keyValues([["DN", ex.found.dn], ["GUID", ex.found.guid ?? NONE], ["found by", ex.found.by]]));
    lines.push("Scope");
    for (const c of ex.checks) lines.push(`  ${c.ok ? "yes" : "NO "}  ${c.rule.padEnd(8)} ${c.says}`);
    lines.push(`Name: ${ex.name.now ?? NONE}${ex.name.changed ? `   (the target acknowledged ${ex.name.acknowledged})` : ""}`);
  }
  const m = ex.members;
  if (m) {
    lines.push(`Members (${m.rule}): ${m.directory} in the directory, ${m.desired} provisioned users who belong at the target, ${m.acknowledged} acknowledged there`);
    const list = (label: string, l: { count: number; sample: TMemberRef[] }) => {
      if (l.count > 0) lines.push(`  ${label} (${l.count}): ${l.sample.map(who).join(", ")}${l.count > l.sample.length ? `, … ${l.count - l.sample.length} more` : ""}`);
    };
    list("to add", m.toAdd);
    list("to remove", m.toRemove);
    if (m.notSent.count > 0) {
      lines.push(`  never sent (${m.notSent.count}):`);
      for (const n of m.notSent.sample) lines.push(`    ${who(n)}: ${n.why}`);
      if (m.notSent.count > m.notSent.sample.length) lines.push(`    … ${m.notSent.count - m.notSent.sample.length} more`);
    }
  }
  lines.push(`Decision: ${ex.decision.action} — ${ex.decision.says}`);
  lines.push(...recordLines(ex));
  return lines;
}

export async function explainGroupCommand(ctx: TCommandContext, channelId: number, lookup: TRecordLookup): Promise<TSummary> {
  const ex = await explainGroup({ channelId, group: userQuery(lookup) });
  if (ctx.out.json) await ctx.out.value({ command: "explain-group", ...ex });
  else await ctx.out.lines(groupExplanationLines(ex));
  return { found: ex.found !== null, inScope: ex.inScope };
}
