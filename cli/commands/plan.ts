// --show-plan: what the channel's next cycle would send and what the guard would hold
// (lib/channels/plan-cycle.ts, the same function the console's Plan page and the API
// call). Reads the directory; sends nothing and changes nothing in the store.
import { planCycle } from "../../lib/channels/plan-cycle.ts";
import { GROUP_PLAN_ACTIONS, USER_PLAN_ACTIONS, type TAttributeChange, type TPlan } from "../../lib/channels/plan-view.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtValue, plural, printable } from "../format.ts";

const USER_TITLES = { create: "Users to create", update: "Users to update", enable: "Users to enable", disable: "Users to disable", delete: "Users to delete" } as const;
const GROUP_TITLES = { create: "Groups to create", rename: "Groups to rename", members: "Groups whose members change", delete: "Groups to delete" } as const;

function change(c: TAttributeChange): string {
  return `${printable(c.attribute)}: ${fmtValue(c.from)} -> ${fmtValue(c.to)}`;
}

/** The plan as text: counts, holds, then each action's records. */
export function planLines(p: TPlan): string[] {
  const u = p.counts.users;
  const g = p.counts.groups;
  const lines = [
    `Channel ${p.channelId} (${printable(p.channelName)}): plan of the next cycle — nothing was sent, nothing in the store changed`,
    `  Read:   ${p.mode}${p.reasons.length ? ` (${p.reasons.map(printable).join("; ")})` : ""}: ${plural(p.usersRead, "user")}, ${plural(p.groupsRead, "group")} read in ${p.ms} ms`,
    `  Users:  ${u.create} create, ${u.update} update, ${u.enable} enable, ${u.disable} disable, ${u.delete} delete${p.waiting.users ? ` (${p.waiting.users} more wait for a retry)` : ""}`,
    `  Groups: ${g.create} create, ${g.rename} rename, ${g.members} with member changes, ${g.delete} delete${p.waiting.groups ? ` (${p.waiting.groups} more wait for a retry)` : ""}`,
  ];
  for (const h of p.held) {
    lines.push(
      "",
      `Held by the deprovisioning guard${h.isNew ? " (this cycle would hold them)" : " (held already)"}: ${plural(h.count, h.kind === "users" ? "user" : "group")} — ${printable(h.reason)}`,
    );
    for (const r of h.sample) lines.push(`  ${fmtValue(r.name)}  ${fmtValue(r.dn)}`);
    if (h.count > h.sample.length) lines.push(`  … and ${h.count - h.sample.length} more`);
  }
  for (const a of USER_PLAN_ACTIONS) {
    const items = p.items.users[a];
    if (items.length === 0) continue;
    lines.push("", `${USER_TITLES[a]} (${p.counts.users[a]}${p.counts.users[a] > items.length ? `, the first ${items.length}` : ""}):`);
    for (const r of items) {
      lines.push(`  ${fmtValue(r.userName)}  ${fmtValue(r.dn)}${r.carriedOver ? "  (waiting from an earlier cycle)" : ""}`);
      for (const c of r.changes) lines.push(`      ${change(c)}`);
    }
  }
  for (const a of GROUP_PLAN_ACTIONS) {
    const items = p.items.groups[a];
    if (items.length === 0) continue;
    lines.push("", `${GROUP_TITLES[a]} (${p.counts.groups[a]}${p.counts.groups[a] > items.length ? `, the first ${items.length}` : ""}):`);
    for (const r of items) {
      lines.push(`  ${fmtValue(r.displayName)}  ${fmtValue(r.dn)}`);
      if (a === "rename") lines.push(`      displayName: ${fmtValue(r.ackedName)} -> ${fmtValue(r.displayName)}`);
      if (r.add.count > 0) lines.push(`      + ${plural(r.add.count, "member")}: ${r.add.sample.map(printable).join(", ")}${r.add.count > r.add.sample.length ? ", …" : ""}`);
      if (r.remove.count > 0) lines.push(`      - ${plural(r.remove.count, "member")}: ${r.remove.sample.map(printable).join(", ")}${r.remove.count > r.remove.sample.length ? ", …" : ""}`);
    }
  }
  const total = USER_PLAN_ACTIONS.reduce((n, a) => n + u[a], 0) + GROUP_PLAN_ACTIONS.reduce((n, a) => n + g[a], 0);
  if (total === 0 && p.held.length === 0) lines.push("", "Nothing to send.");
  return lines;
}

export async function showPlan(ctx: TCommandContext, channelId: number, options: { full: boolean; limit: number }): Promise<TSummary> {
  const plan = await planCycle({ channelId, full: options.full, limit: options.limit });
  if (ctx.out.json) await ctx.out.value({ command: "show-plan", ...plan });
  else await ctx.out.lines(planLines(plan));
  return { mode: plan.mode, users: plan.counts.users, groups: plan.counts.groups, held: plan.held.length };
}
