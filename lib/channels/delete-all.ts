// --delete-all / --delete-all-users: reset the channel to its initial state. All users
// (and, with delete-all, groups) are removed from the store with the group and
// attribute-sync timestamps; the next cycle starts from the beginning, matching the
// target's existing users by userName and groups by name instead of duplicating them.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";
import { Lease } from "../sync/lease.ts";
import { deleteAllGroups, resyncGroupMembers } from "../records/group-records.ts";
import { deleteAllUsers } from "../records/user-records.ts";

export async function deleteAll(options: { channelId: number; keepGroups: boolean } & TActor): Promise<{ users: number; groups: number }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const [users, groups] = await db.$transaction(async (tx) => {
    await Lease.fenceRunningCycle(tx, ch.id);
    const u = await deleteAllUsers(tx, ch.id);
    const g = options.keepGroups ? 0 : await deleteAllGroups(tx, ch.id);
    // kept groups must have their members sent again once users are re-provisioned
    if (options.keepGroups) await resyncGroupMembers(tx, ch.id);
    await tx.channel.update({
      where: { id: ch.id },
      data: { groupTimestamp: null, attributeSyncTimestamp: null, lastFullSyncAt: null },
    });
    return [u, g];
  });
  await recordAudit({ ...options, action: options.keepGroups ? "delete-all-users" : "delete-all", details: { users, groups } });
  return { users, groups };
}
