// --clear-dirty-records / --clear-dirty-user-records / --clear-dirty-group-records:
// clear the dirty flag. What was waiting to be pushed is dropped with it: the record then
// says what the target last acknowledged, and a later directory change marks it again.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { kindTables, type TRecordKind } from "./record-kind.ts";
import { requireChannel } from "./require-channel.ts";
import { Lease } from "../sync/lease.ts";

export async function clearDirtyRecords(options: { channelId: number; kind: TRecordKind } & TActor): Promise<{ users: number; groups: number }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const counts = { users: 0, groups: 0 };
  await db.$transaction(async (tx) => {
    await Lease.fenceRunningCycle(tx, ch.id);
    for (const table of kindTables(options.kind)) {
      const n = await tx.$executeRawUnsafe(
      `UPDATE ${table} SET dirty = false, pending_action = 'NONE', pending_values = NULL, pending_hash = NULL,
         last_error = NULL, attempts = 0, updated_at = now() WHERE channel_id = $1 AND dirty`,
        ch.id,
      );
      if (table === "user_record") counts.users = n;
      else counts.groups = n;
    }
  });
  await recordAudit({ ...options, action: `clear-dirty-records:${options.kind}`, details: counts });
  return counts;
}
