import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";

export async function requireChannel(channelId: number) {
  const db = await getDb();
  const ch = await db.channel.findUnique({ where: { id: channelId } });
  if (!ch) throw new AppError("NOT_FOUND", `channel ${channelId} does not exist (see provmgr --show-channels)`);
  return ch;
}
