import { getDb } from "../db/index.ts";

/** Records that the node is alive and returns its mode, which an operator may have changed. */
export async function heartbeat(options: { nodeId: number; status?: string; workerIds?: string[] }): Promise<"ACTIVE" | "FAILOVER"> {
  const db = await getDb();
  const n = await db.node.update({
    where: { id: options.nodeId },
    data: {
      lastHeartbeat: new Date(),
      ...(options.status ? { status: options.status } : {}),
      ...(options.workerIds ? { workerId: options.workerIds.join(",") } : {}),
    },
  });
  return n.mode;
}
