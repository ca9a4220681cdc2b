// --test-target, --take-inventory, --show-unmanaged: the channel's target as the console
// sees it (issue 15): the conformance probe with a suggested profile and warnings, the
// target's inventory taken now, and the accounts there that no record is linked to.
import { listUnmanagedAccounts } from "../../lib/channels/list-unmanaged.ts";
import { takeTargetInventory } from "../../lib/channels/take-target-inventory.ts";
import { testStoredTarget } from "../../lib/channels/test-stored-target.ts";
import type { TTargetTestResult } from "../../lib/channels/test-target-connection.ts";
import { AppError } from "../../lib/errors.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtDate, keyValues, NONE, plural, printable, table } from "../format.ts";

const yn = (b: boolean | null) => (b === null ? "not said" : b ? "yes" : "no");

export function targetTestLines(channelId: number, r: Extract<TTargetTestResult, { ok: true }>): string[] {
  const p = r.probe;
  const e = r.effective;
  const lines = [
    `Channel ${channelId}: target ${printable(r.url)} answered in ${r.elapsedMs} ms — harmless requests only, nothing was written`,
    ...keyValues([
      ["Users / groups there", `${r.usersAtTarget ?? "unknown"} / ${r.groupsAtTarget ?? "unknown"}`],
      ["ServiceProviderConfig", r.discovery ? `PATCH ${yn(r.capabilities.patch)}, bulk ${yn(r.capabilities.bulk)}, filter ${yn(r.capabilities.filter)} (max ${r.capabilities.filterMaxResults})` : "missing"],
      ["/Schemas", p.schemas === null ? "missing" : p.schemas.join(", ") || NONE],
      ["/ResourceTypes", p.resourceTypes === null ? "missing" : p.resourceTypes.join(", ") || NONE],
      ["Required user attributes", p.requiredUserAttributes.join(", ") || NONE],
      ["Filters", `eq ${yn(p.filters.eq)}, and ${yn(p.filters.and)}`],
      ["Paging", `startIndex ${yn(p.paging.startIndex)}${p.paging.maxPageSize !== null ? `, at most ${p.paging.maxPageSize} per page` : ""}`],
      ["PATCH routed", yn(p.patch)],
      ["Suggested profile", `${r.suggestedProfile.profile} (${r.suggestedProfile.why})`],
      ["Channel's profile", `${e.profile}: ${e.membersPerPatch} members per request${e.learnedMembersPerPatch !== null ? " (learned)" : ""}, pages of ${e.pageSize}`],
      ["Rate limit", e.rateLimit ? JSON.stringify(e.rateLimit) : NONE],
    ]),
  ];
  if (r.warnings.length > 0) lines.push("Warnings:", ...r.warnings.map((w) => `  ! ${printable(w)}`));
  return lines;
}

export async function testTarget(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const r = await testStoredTarget({ channelId, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "test-target", channelId, ...r });
  else if (!r.ok) await ctx.out.lines([`Channel ${channelId}: the target could not be tested (${r.stage}): ${printable(r.error)}`]);
  else await ctx.out.lines(targetTestLines(channelId, r));
  // a target that cannot be read is a failed command (exit code of SCIM_ERROR)
  if (!r.ok) throw new AppError(r.stage === "config" ? "INVALID_CONFIG" : "SCIM_ERROR", r.error);
  return { ok: true, warnings: r.warnings.length };
}

export async function takeInventory(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const r = await takeTargetInventory({ channelId, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "take-inventory", channelId, ...r });
  else await ctx.out.lines([`Channel ${channelId}: target inventory taken: ${plural(r.users, "user")}, ${plural(r.groups, "group")} in ${plural(r.requests, "request")} (${r.ms} ms).`]);
  return { users: r.users, groups: r.groups };
}

export async function showUnmanaged(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const users = await listUnmanagedAccounts({ channelId, kind: "user", includeIgnored: false, limit: 500 });
  const groups = await listUnmanagedAccounts({ channelId, kind: "group", includeIgnored: false, limit: 500 });
  if (ctx.out.json) {
    await ctx.out.value({ command: "show-unmanaged", channelId, takenAt: users.takenAt, users: users.rows, usersTotal: users.total, groups: groups.rows, groupsTotal: groups.total });
    return { users: users.total, groups: groups.total };
  }
  if (users.takenAt === null) {
    await ctx.out.lines([`Channel ${channelId}: no target inventory yet (provmgr -c ${channelId} --take-inventory).`]);
    return { users: 0, groups: 0 };
  }
  const lines = [
    `Channel ${channelId}: accounts at the target no directory object is linked to (inventory of ${fmtDate(users.takenAt)}). Ferry never disables or deletes them.`,
    "",
    `Users (${users.total}${users.total > users.rows.length ? `, the first ${users.rows.length}` : ""}):`,
    ...table(
      ["SCIM ID", "USERNAME", "E-MAIL", "ACTIVE", "ADOPTED FOR"],
      users.rows.map((r) => [r.scimId, r.name, r.emails.join(", ") || NONE, r.active === null ? NONE : String(r.active), r.adoptedFor ?? NONE]),
    ).map((l) => `  ${l}`),
    "",
    `Groups (${groups.total}${groups.total > groups.rows.length ? `, the first ${groups.rows.length}` : ""}):`,
    ...table(["SCIM ID", "DISPLAY NAME"], groups.rows.map((r) => [r.scimId, r.name])).map((l) => `  ${l}`),
  ];
  await ctx.out.lines(lines);
  return { users: users.total, groups: groups.total };
}
