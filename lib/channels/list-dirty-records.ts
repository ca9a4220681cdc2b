// --show-dirty-records / --show-dirty-user-records / --show-dirty-group-records: the
// users and groups the target has not acknowledged yet, with what is waiting, the last
// error and the attempts. Pages are read by id (keyset), so 100,000 dirty records are
// never held in memory at once and a cycle writing meanwhile cannot make a page repeat.
import { getDb } from "../db/index.ts";
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

const SELECT = {
  id: true,
  guid: true,
  dn: true,
  providerName: true,
  scimId: true,
  pendingAction: true,
  sourceState: true,
  targetState: true,
  lastError: true,
  attempts: true,
  lastAttemptAt: true,
  updatedAt: true,
} as const;

type TDirtyRow = Omit<TDirtyRecord, "kind" | "id"> & { id: bigint };

/** Pages through one table by id (keyset), so 100,000 dirty records never sit in memory at once. */
async function* byId(fetch: (after: bigint) => Promise<TDirtyRow[]>, kind: TDirtyRecord["kind"], take: number): AsyncGenerator<TDirtyRecord[]> {
  let after = 0n;
  for (;;) {
    const rows = await fetch(after);
    if (rows.length === 0) return;
    after = rows[rows.length - 1]!.id;
    yield rows.map((r) => ({ ...r, kind, id: r.id.toString() }) as TDirtyRecord);
    if (rows.length < take) return;
  }
}

/** Dirty users first, then dirty groups, each id-ordered, `pageSize` records at a time. */
export async function* listDirtyRecords(options: { channelId: number; kind: TRecordKind; pageSize?: number }): AsyncGenerator<TDirtyRecord[]> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const take = options.pageSize ?? 500;
  const page = (after: bigint) => ({ where: { channelId: ch.id, dirty: true, id: { gt: after } }, orderBy: { id: "asc" as const }, take, select: SELECT });
  if (options.kind !== "groups") yield* byId((after) => db.userRecord.findMany(page(after)), "user", take);
  if (options.kind !== "users") yield* byId((after) => db.groupRecord.findMany(page(after)), "group", take);
}
