// --delete-all / --delete-all-users: reset the channel to its initial state. All users
// (and, with delete-all, groups) are removed from the store with the group and
// attribute-sync timestamps; the next cycle starts from the beginning, matching the
// target's existing users by userName and groups by name instead of duplicating them.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";
import { Lease } from "../sync/lease.ts";

export async function deleteAll(options: { channelId: number; keepGroups: boolean } & TActor): Promise<{ users: number; groups: number }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const [users, groups] = await db.$transaction(async (tx) => {
    await Lease.fenceRunningCycle(tx, ch.id);
    const u = await tx.$executeRawUnsafe(`DELETE FROM user_record WHERE channel_id = $1`, ch.id);
    const g = options.keepGroups ? 0 : await tx.$executeRawUnsafe(`DELETE FROM group_record WHERE channel_id = $1`, ch.id);
    if (options.keepGroups) {
      // kept groups must have their members sent again once users are re-provisioned
      await tx.$executeRawUnsafe(
        `UPDATE group_record SET resync_members = true, dirty = target_state <> 'ABSENT',
           pending_action = CASE WHEN target_state <> 'ABSENT' THEN 'UPDATE'::"RecordAction" ELSE pending_action END
         WHERE channel_id = $1`,
        ch.id,
      );
    }
    await tx.channel.update({
      where: { id: ch.id },
      data: { groupTimestamp: null, attributeSyncTimestamp: null, lastFullSyncAt: null },
    });
    return [u, g];
  });
  await recordAudit({ ...options, action: options.keepGroups ? "delete-all-users" : "delete-all", details: { users, groups } });
  return { users, groups };
}
