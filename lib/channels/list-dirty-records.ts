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

/** Dirty users first, then dirty groups, each id-ordered, `pageSize` records at a time. */
export async function* listDirtyRecords(options: { channelId: number; kind: TRecordKind; pageSize?: number }): AsyncGenerator<TDirtyRecord[]> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const take = options.pageSize ?? 500;

  if (options.kind !== "groups") {
    let after = 0n;
    for (;;) {
      const rows = await db.userRecord.findMany({
        where: { channelId: ch.id, dirty: true, id: { gt: after } },
        orderBy: { id: "asc" },
        take,
        select: SELECT,
      });
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      yield rows.map((r) => ({ kind: "user" as const, ...r, id: r.id.toString() }));
      if (rows.length < take) break;
    }
  }
  if (options.kind !== "users") {
    let after = 0n;
    for (;;) {
      const rows = await db.groupRecord.findMany({
        where: { channelId: ch.id, dirty: true, id: { gt: after } },
        orderBy: { id: "asc" },
        take,
        select: SELECT,
      });
      if (rows.length === 0) break;
      after = rows[rows.length - 1]!.id;
      yield rows.map((r) => ({ kind: "group" as const, ...r, id: r.id.toString() }));
      if (rows.length < take) break;
    }
  }
}
