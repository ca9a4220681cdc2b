// --delete-dirty-records / --delete-dirty-user-records / --delete-dirty-group-records:
// remove dirty records from the store. Nothing is sent to the target; the next read of
// the directory brings back whatever is still in scope as new records.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { deleteDirtyGroups } from "../records/group-records.ts";
import { deleteDirtyUsers } from "../records/user-records.ts";
import type { TRecordKind } from "./record-kind.ts";
import { requireChannel } from "./require-channel.ts";
import { Lease } from "../sync/lease.ts";

export async function deleteDirtyRecords(options: { channelId: number; kind: TRecordKind } & TActor): Promise<{ users: number; groups: number }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const counts = { users: 0, groups: 0 };
  await db.$transaction(async (tx) => {
    await Lease.fenceRunningCycle(tx, ch.id);
    if (options.kind !== "groups") counts.users = await deleteDirtyUsers(tx, ch.id);
    if (options.kind !== "users") counts.groups = await deleteDirtyGroups(tx, ch.id);
    // deleted records must be found again: read the whole scope next time
    if (counts.users + counts.groups > 0) {
      await tx.channel.update({ where: { id: ch.id }, data: { groupTimestamp: null, lastFullSyncAt: null, attributeSyncTimestamp: "1" } });
    }
  });
  await recordAudit({ ...options, action: `delete-dirty-records:${options.kind}`, details: counts });
  return counts;
}
