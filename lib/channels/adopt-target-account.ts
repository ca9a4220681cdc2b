// Adopt and ignore, on the unmanaged list. Adopt: "this target user is that directory
// user": recorded on the inventory row, and the user's record links it at its next push
// (lib/sync/push-users.ts) instead of creating another account. Ignore: hide it from the
// list. Neither sends anything to the target. Audited.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { inventoryRow, setAdopted, setIgnored, type TInventoryKind } from "../records/target-inventory.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

/** The directory user, as the store knows it: by provider name (case-insensitively), DN or GUID. */
async function findRecord(channelId: number, user: string) {
  const db = await getDb();
  const rows = await db.$queryRawUnsafe<Array<{ guid: string; name: string | null; dn: string; scimId: string | null }>>(
    `SELECT guid, provider_name AS name, dn, scim_id AS "scimId" FROM user_record
     WHERE channel_id = $1 AND (lower(provider_name) = lower($2) OR lower(dn) = lower($2) OR guid = lower($2)) LIMIT 2`,
    channelId,
    user.trim(),
  );
  if (rows.length === 0) throw new AppError("NOT_FOUND", `channel ${channelId} has no directory user "${user}" in its store (a user name, DN or GUID a cycle has read)`);
  if (rows.length > 1) throw new AppError("CONFLICT", `"${user}" names more than one directory user of channel ${channelId}: give the DN or GUID`);
  return rows[0]!;
}

export async function adoptTargetAccount(options: { channelId: number; scimId: string; user: string | null } & TActor): Promise<{ scimId: string; adoptedFor: string | null }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const account = await inventoryRow(db, ch.id, "user", options.scimId);
  if (!account) throw new AppError("NOT_FOUND", `channel ${ch.id}: the target inventory has no user ${options.scimId} (take the inventory again?)`);
  if (options.user === null) {
    await setAdopted(db, ch.id, options.scimId, null, null);
    await recordAudit({ ...options, channelId: ch.id, action: "target.unadopt", details: { scimId: options.scimId, name: account.name } });
    return { scimId: options.scimId, adoptedFor: null };
  }
  const record = await findRecord(ch.id, options.user);
  if (record.scimId) {
    throw new AppError("CONFLICT", `${record.name ?? record.dn} is linked to target user ${record.scimId} already: an adopted account would be a second one`);
  }
  await setAdopted(db, ch.id, options.scimId, record.guid, options.actor);
  await recordAudit({ ...options, channelId: ch.id, action: "target.adopt", details: { scimId: options.scimId, name: account.name, user: record.name ?? record.dn, guid: record.guid } });
  return { scimId: options.scimId, adoptedFor: record.name ?? record.dn };
}

export async function ignoreTargetAccount(options: { channelId: number; kind: TInventoryKind; scimId: string; ignore: boolean } & TActor): Promise<{ scimId: string; ignored: boolean }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const ok = await setIgnored(db, ch.id, options.kind, options.scimId, options.ignore ? options.actor : null);
  if (!ok) throw new AppError("NOT_FOUND", `channel ${ch.id}: the target inventory has no ${options.kind} ${options.scimId}`);
  await recordAudit({ ...options, channelId: ch.id, action: options.ignore ? "target.ignore" : "target.unignore", details: { kind: options.kind, scimId: options.scimId } });
  return { scimId: options.scimId, ignored: options.ignore };
}
