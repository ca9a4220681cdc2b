// --reset-values-hash: remove the values hash of every user, so users with a newer LDAP
// timestamp are updated at the SP whatever their values; unchanged timestamps still are not.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";
import { Lease } from "../sync/lease.ts";
import { resetValuesHashes } from "../records/user-records.ts";

export async function resetValuesHash(options: { channelId: number } & TActor): Promise<{ users: number }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const users = await db.$transaction(async (tx) => {
    await Lease.fenceRunningCycle(tx, ch.id);
    return resetValuesHashes(tx, ch.id);
  });
  await recordAudit({ ...options, action: "reset-values-hash", details: { users } });
  return { users };
}
