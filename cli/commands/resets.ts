// --reset-group-timestamp, --reset-attribute-sync, --reset-values-hash, --reset-all.
import { resetAll as resetAllLib } from "../../lib/channels/reset-all.ts";
import { resetAttributeSync as resetAttributeSyncLib } from "../../lib/channels/reset-attribute-sync.ts";
import { resetGroupTimestamp as resetGroupTimestampLib } from "../../lib/channels/reset-group-timestamp.ts";
import { resetValuesHash as resetValuesHashLib } from "../../lib/channels/reset-values-hash.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { plural } from "../format.ts";

const was = (v: string | null) => (v === null ? "was not set" : `was ${v}`);

const groupLine = (previous: string | null) =>
  `group timestamp deleted (${was(previous)}): the next cycle enumerates the provisioning group.`;
const attributeLine = (previous: string | null) =>
  `attribute-sync timestamp set to 1 (${was(previous)}): the next cycle looks at every user.`;
const hashLine = (users: number) =>
  `values hash removed from ${plural(users, "user record")}: users with a newer LDAP timestamp are updated at the SP whatever their values.`;

export async function resetGroupTimestamp(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const r = await resetGroupTimestampLib({ channelId, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "reset-group-timestamp", channelId, previousGroupTimestamp: r.previous });
  else await ctx.out.lines([`Channel ${channelId}: ${groupLine(r.previous)}`]);
  return { previous: r.previous };
}

export async function resetAttributeSync(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const r = await resetAttributeSyncLib({ channelId, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "reset-attribute-sync", channelId, attributeSyncTimestamp: "1", previousAttributeSyncTimestamp: r.previous });
  else await ctx.out.lines([`Channel ${channelId}: ${attributeLine(r.previous)}`]);
  return { previous: r.previous };
}

export async function resetValuesHash(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const r = await resetValuesHashLib({ channelId, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "reset-values-hash", channelId, users: r.users });
  else await ctx.out.lines([`Channel ${channelId}: ${hashLine(r.users)}`]);
  return { users: r.users };
}

export async function resetAll(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const r = await resetAllLib({ channelId, ...ctx.actor });
  if (ctx.out.json) {
    await ctx.out.value({
      command: "reset-all",
      channelId,
      previousGroupTimestamp: r.groupTimestamp.previous,
      attributeSyncTimestamp: "1",
      previousAttributeSyncTimestamp: r.attributeSync.previous,
      users: r.valuesHash.users,
    });
  } else {
    await ctx.out.lines([
      `Channel ${channelId}:`,
      `  ${groupLine(r.groupTimestamp.previous)}`,
      `  ${attributeLine(r.attributeSync.previous)}`,
      `  ${hashLine(r.valuesHash.users)}`,
    ]);
  }
  return { previousGroupTimestamp: r.groupTimestamp.previous, previousAttributeSync: r.attributeSync.previous, users: r.valuesHash.users };
}
