// --reset-attribute-sync: set the attribute-sync timestamp to 1, so the next cycle looks
// at every user for changes, not only those with a newer LDAP timestamp.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";
import { Lease } from "../sync/lease.ts";

export async function resetAttributeSync(options: { channelId: number } & TActor): Promise<{ previous: string | null }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  await db.$transaction(async (tx) => {
    await Lease.fenceRunningCycle(tx, ch.id);
    await tx.channel.update({ where: { id: ch.id }, data: { attributeSyncTimestamp: "1" } });
  });
  await recordAudit({ ...options, action: "reset-attribute-sync", details: { previous: ch.attributeSyncTimestamp } });
  return { previous: ch.attributeSyncTimestamp };
}
