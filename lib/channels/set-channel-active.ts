// Activate or deactivate a channel (and/or its SP connection). An inactive channel is
// not scheduled: the worker skips it until it is active again.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

export async function setChannelActive(
  options: { channelId: number; active?: boolean; connectionActive?: boolean } & TActor,
): Promise<{ id: number; active: boolean; connectionActive: boolean }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const row = await db.channel.update({
    where: { id: ch.id },
    data: {
      ...(options.active !== undefined ? { active: options.active } : {}),
      ...(options.connectionActive !== undefined ? { connectionActive: options.connectionActive } : {}),
    },
  });
  if (row.active !== ch.active) {
    await recordAudit({ actor: options.actor, via: options.via, channelId: ch.id, action: row.active ? "channel.activate" : "channel.deactivate" });
  }
  if (row.connectionActive !== ch.connectionActive) {
    await recordAudit({ actor: options.actor, via: options.via, channelId: ch.id, action: row.connectionActive ? "connection.activate" : "connection.deactivate" });
  }
  return { id: row.id, active: row.active, connectionActive: row.connectionActive };
}
