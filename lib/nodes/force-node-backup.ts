// --force-node-backup -n ID: put a node in FAILOVER mode. Its worker sees the mode on
// its next heartbeat and stops taking cycles.
import { recordAudit } from "../audit/record-audit.ts";
import type { TActor } from "../channels/actor.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";

export async function forceNodeBackup(options: { nodeId: number } & TActor): Promise<{ id: number; previousMode: string }> {
  const db = await getDb();
  const node = await db.node.findUnique({ where: { id: options.nodeId } });
  if (!node) throw new AppError("NOT_FOUND", `node ${options.nodeId} does not exist (see provmgr --show-nodes)`);
  await db.node.update({ where: { id: node.id }, data: { mode: "FAILOVER" } });
  await recordAudit({ actor: options.actor, via: options.via, action: "force-node-backup", details: { nodeId: node.id, previousMode: node.mode } });
  return { id: node.id, previousMode: node.mode };
}
