// --clear-dirty-records / --clear-dirty-user-records / --clear-dirty-group-records:
// clear the dirty flag. What was waiting to be pushed is dropped with it: the record then
// says what the target last acknowledged, and a later directory change marks it again.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { clearDirtyGroups } from "../records/group-records.ts";
import { clearDirtyUsers } from "../records/user-records.ts";
import type { TRecordKind } from "./record-kind.ts";
import { requireChannel } from "./require-channel.ts";
import { Lease } from "../sync/lease.ts";

export async function clearDirtyRecords(options: { channelId: number; kind: TRecordKind } & TActor): Promise<{ users: number; groups: number }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const counts = { users: 0, groups: 0 };
  await db.$transaction(async (tx) => {
    await Lease.fenceRunningCycle(tx, ch.id);
    if (options.kind !== "groups") counts.users = await clearDirtyUsers(tx, ch.id);
    if (options.kind !== "users") counts.groups = await clearDirtyGroups(tx, ch.id);
  });
  await recordAudit({ ...options, action: `clear-dirty-records:${options.kind}`, details: counts });
  return counts;
}
