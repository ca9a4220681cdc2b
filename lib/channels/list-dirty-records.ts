// --show-dirty-records / --show-dirty-user-records / --show-dirty-group-records: the
// users and groups the target has not acknowledged yet, with what is waiting, the last
// error and the attempts. Pages are read by id (keyset) on the partial index of dirty
// records (migration 0005), so each page reads only its own rows whatever the planner's
// statistics say, 100,000 dirty records are never held in memory at once, and a cycle
// writing meanwhile cannot make a page repeat. While one page is printed the next one
// is read: at most two pages in memory.
import { getDb, type PrismaClient } from "../db/index.ts";
import type { TRecordKind } from "./record-kind.ts";
import { requireChannel } from "./require-channel.ts";

export type TDirtyRecord = {
  kind: "user" | "group";
  id: string;
  guid: string;
  dn: string;
  providerName: string | null;
  scimId: string | null;
  pendingAction: string;
  sourceState: string;
  targetState: string;
  lastError: string | null;
  attempts: number;
  lastAttemptAt: Date | null;
  updatedAt: Date;
};

const COLUMNS = `id, guid, dn, provider_name AS "providerName", scim_id AS "scimId", pending_action::text AS "pendingAction",
  source_state::text AS "sourceState", target_state::text AS "targetState", last_error AS "lastError", attempts,
  last_attempt_at AS "lastAttemptAt", updated_at AS "updatedAt"`;

type TDirtyRow = Omit<TDirtyRecord, "kind" | "id"> & { id: bigint };

/** One table's dirty records by id, `take` at a time, the next page read while the caller handles this one. */
async function* byId(db: PrismaClient, table: "user_record" | "group_record", kind: TDirtyRecord["kind"], channelId: number, take: number): AsyncGenerator<TDirtyRecord[]> {
  // (a PrismaPromise starts only when awaited or given a handler: the .catch below starts the read ahead)
  const fetch = (after: bigint): Promise<TDirtyRow[]> =>
    db.$queryRawUnsafe<TDirtyRow[]>(`SELECT ${COLUMNS} FROM ${table} WHERE channel_id = $1 AND dirty AND id > $2 ORDER BY id LIMIT $3`, channelId, after, take);
  let next = fetch(0n);
  for (;;) {
    const rows = await next;
    if (rows.length === 0) return;
    next = rows.length < take ? Promise.resolve([]) : fetch(rows[rows.length - 1]!.id);
    // awaited on the next turn; a caller that stops early must not leave it unhandled
    next.catch(() => undefined);
    yield rows.map((r) => ({ ...r, kind, id: r.id.toString() }));
  }
}

/** Dirty users first, then dirty groups, each id-ordered, `pageSize` records at a time. */
export async function* listDirtyRecords(options: { channelId: number; kind: TRecordKind; pageSize?: number }): AsyncGenerator<TDirtyRecord[]> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const take = options.pageSize ?? 2_000;
  if (options.kind !== "groups") yield* byId(db, "user_record", "user", ch.id, take);
  if (options.kind !== "users") yield* byId(db, "group_record", "group", ch.id, take);
}
