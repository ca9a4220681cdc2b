// --show-holds, --approve-hold, --reject-hold: the deprovisioning the guard held
// (lib/sync/deprovision.ts), and an administrator's decision on it, through the same lib
// functions as the console.
import { approveDeprovisioning, rejectDeprovisioning } from "../../lib/channels/decide-deprovisioning.ts";
import { listDeprovisionHolds, type THoldView } from "../../lib/channels/list-deprovision-holds.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtDate, keyValues, NONE, plural, table } from "../format.ts";

const SAMPLE = 20;

function holdLines(h: THoldView, channelId: number): string[] {
  const lines = [
    `Hold #${h.id}: ${plural(h.count, h.kind === "users" ? "user" : "group")} ${
      h.status === "HELD" ? "held for approval" : h.status === "REJECTED" ? "kept at the target: deprovisioning rejected" : h.status.toLowerCase()
    }`,
    ...keyValues([
      ["Reason", h.reason],
      ["Rule", h.rule === "empty-scope" ? "empty scope (never released without an approval)" : h.rule === "count" ? "more at once than the channel's count limit" : "percent of the provisioned records"],
      ["Held since", fmtDate(h.createdAt)],
      ["Last checked", fmtDate(h.checkedAt)],
      ...(h.approvedBy ? ([["Approved by", `${h.approvedBy} (${h.approvedVia ?? NONE}) at ${fmtDate(h.approvedAt)}`]] as Array<[string, unknown]>) : []),
      ...(h.rejectedBy
        ? ([["Rejected by", `${h.rejectedBy} (${h.rejectedVia ?? NONE}) at ${fmtDate(h.rejectedAt)}${h.rejectReason ? `: ${h.rejectReason}` : ""}`]] as Array<[string, unknown]>)
        : []),
    ]),
  ];
  if (h.sample.length > 0) {
    lines.push(`  ${h.count > h.sample.length ? `The first ${h.sample.length} of ${h.count}` : "Covers"}:`);
    lines.push(...table(["NAME", "DN", "DIRECTORY", "TARGET"], h.sample.map((r) => [r.name ?? NONE, r.dn, r.sourceState, r.targetState])).map((l) => `    ${l}`));
  }
  if (h.status === "HELD" || h.status === "REJECTED") lines.push(`  To approve: provmgr -c ${channelId} --approve-hold --hold ${h.id} --count ${h.count}`);
  if (h.status === "HELD") lines.push(`  To reject:  provmgr -c ${channelId} --reject-hold --hold ${h.id} --count ${h.count} [--reason <text>]`);
  return lines;
}

export async function showHolds(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const { open, closed } = await listDeprovisionHolds({ channelId, sample: SAMPLE, limit: 10 });
  if (ctx.out.json) {
    await ctx.out.value({ command: "show-holds", channelId, open, closed });
    return { open: open.length };
  }
  const lines: string[] = [];
  if (open.length === 0) lines.push(`Channel ${channelId}: no deprovisioning is held.`);
  for (const h of open) lines.push(...holdLines(h, channelId), "");
  if (closed.length > 0) {
    lines.push("Recently closed:");
    lines.push(
      ...table(
        ["HOLD", "KIND", "COUNT", "STATUS", "CLOSED", "OUTCOME"],
        closed.map((h) => [`#${h.id}`, h.kind, String(h.count), h.status, fmtDate(h.closedAt), h.outcome ?? NONE]),
      ).map((l) => `  ${l}`),
    );
  }
  await ctx.out.lines(lines);
  return { open: open.length };
}

export async function approveHold(ctx: TCommandContext, channelId: number, hold: { holdId: number; count: number }): Promise<TSummary> {
  const r = await approveDeprovisioning({ channelId, holdId: hold.holdId, count: hold.count, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "approve-hold", channelId, ...r });
  else {
    await ctx.out.lines([
      `Channel ${channelId}: hold #${r.holdId} approved: the next cycle deprovisions the ${plural(r.count, r.kind === "users" ? "user" : "group")} it covers${
        r.cycleRequested ? " (a cycle was asked for now)" : " (at the channel's next cycle)"
      }.`,
    ]);
  }
  return { hold: r.holdId, count: r.count };
}

export async function rejectHold(ctx: TCommandContext, channelId: number, hold: { holdId: number; count: number; reason?: string | undefined }): Promise<TSummary> {
  const r = await rejectDeprovisioning({ channelId, holdId: hold.holdId, count: hold.count, reason: hold.reason, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "reject-hold", channelId, ...r });
  else {
    const noun = plural(r.count, r.kind === "users" ? "user" : "group");
    await ctx.out.lines([
      `Channel ${channelId}: hold #${r.holdId} rejected: the ${noun} it covers stay at the target as they are, until they come back in the directory (or the hold is approved after all).`,
    ]);
  }
  return { hold: r.holdId, count: r.count };
}
