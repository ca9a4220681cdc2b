// One user or group record by its store id, with every internal field (the same view,
// with the same masking, as provmgr --show-user / --show-group).
import { parseBigintId } from "../db/bigint-id.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { showRecord, type TGroupRecordView, type TUserRecordView } from "./show-record.ts";

export async function getRecord(options: { channelId: number; kind: "user"; recordId: string }): Promise<TUserRecordView>;
export async function getRecord(options: { channelId: number; kind: "group"; recordId: string }): Promise<TGroupRecordView>;
export async function getRecord(options: { channelId: number; kind: "user" | "group"; recordId: string }): Promise<TUserRecordView | TGroupRecordView> {
  const id = parseBigintId(options.recordId);
  if (id === null) throw new AppError("INVALID_ARGUMENT", "a record id is a number");
  const db = await getDb();
  const where = { id, channelId: options.channelId };
  const found =
    options.kind === "user"
      ? await db.userRecord.findFirst({ where, select: { guid: true } })
      : await db.groupRecord.findFirst({ where, select: { guid: true } });
  if (!found) throw new AppError("NOT_FOUND", `no ${options.kind} record ${options.recordId} in channel ${options.channelId}`);
  const views =
    options.kind === "user"
      ? await showRecord({ channelId: options.channelId, kind: "user", lookup: { guid: found.guid } })
      : await showRecord({ channelId: options.channelId, kind: "group", lookup: { guid: found.guid } });
  const view = (views as Array<TUserRecordView | TGroupRecordView>).find((v) => v.id === options.recordId);
  if (!view) throw new AppError("NOT_FOUND", `no ${options.kind} record ${options.recordId} in channel ${options.channelId}`);
  return view;
}
