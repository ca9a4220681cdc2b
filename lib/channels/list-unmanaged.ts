// Unmanaged accounts: target users and groups the last inventory found that no record of
// the channel is linked to — created by hand or by another tool. Ferry never disables or
// deletes them (it deprovisions only records it created or linked); an admin may adopt a
// user (link it to a directory user) or ignore it (hide it from this list).
import { getDb } from "../db/index.ts";
import { listUnmanaged, type TInventoryKind, type TUnmanagedRow } from "../records/target-inventory.ts";
import { requireChannel } from "./require-channel.ts";

export type TUnmanagedList = { channelId: number; takenAt: Date | null; kind: TInventoryKind; total: number; rows: TUnmanagedRow[]; next: string | null };

export async function listUnmanagedAccounts(options: { channelId: number; kind: TInventoryKind; includeIgnored: boolean; after?: string; limit: number }): Promise<TUnmanagedList> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const { rows, total } = await listUnmanaged(db, ch.id, options);
  return { channelId: ch.id, takenAt: ch.inventoryTakenAt, kind: options.kind, total, rows, next: rows.length === options.limit ? (rows.at(-1)?.name ?? null) : null };
}
