// Each channel's users, dirty users, groups and dirty groups, as the store's triggers keep
// them (migration 0041): every statement that writes user_record or group_record adds one
// row of differences per channel it changed, in its own transaction, so the counts are
// always those of the committed records. Reading them is a sum over a channel's rows;
// compacting (each cycle's end) folds those rows into one.
import type { TSql } from "../db/index.ts";

export type TRecordCounts = { users: number; dirtyUsers: number; groups: number; dirtyGroups: number };

/** Every channel's counts (channels without records are absent). */
export async function recordCounts(db: TSql, channelId?: number): Promise<Map<number, TRecordCounts>> {
  const rows = await db.$queryRawUnsafe<Array<{ id: number; users: bigint; du: bigint; groups: bigint; dg: bigint }>>(
    `SELECT channel_id AS id, sum(users)::bigint AS users, sum(dirty_users)::bigint AS du, sum("groups")::bigint AS groups, sum(dirty_groups)::bigint AS dg
     FROM channel_record_count ${channelId === undefined ? "" : "WHERE channel_id = $1"} GROUP BY channel_id`,
    ...(channelId === undefined ? [] : [channelId]),
  );
  return new Map(rows.map((r) => [r.id, { users: Number(r.users), dirtyUsers: Number(r.du), groups: Number(r.groups), dirtyGroups: Number(r.dg) }]));
}

/** Folds a channel's count rows into one (a cycle writes one per statement: a first load of a million users, a few thousand). */
export async function compactRecordCounts(db: TSql, channelId: number): Promise<void> {
  await db.$executeRawUnsafe(`SELECT compact_channel_record_count($1)`, channelId);
}
