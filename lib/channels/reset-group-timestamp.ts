// --reset-group-timestamp: forget the provisioning group's timestamp so the next cycle
// enumerates the group's membership even if the directory did not touch the group
// (some directories do not, when a member is deleted).
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";
import { Lease } from "../sync/lease.ts";

export async function resetGroupTimestamp(options: { channelId: number } & TActor): Promise<{ previous: string | null }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  await db.$transaction(async (tx) => {
    await Lease.fenceRunningCycle(tx, ch.id);
    await tx.channel.update({ where: { id: ch.id }, data: { groupTimestamp: null } });
  });
  await recordAudit({ ...options, action: "reset-group-timestamp", details: { previous: ch.groupTimestamp } });
  return { previous: ch.groupTimestamp };
}
