import { getDb } from "../db/index.ts";

export class NodeDeclaredDeadError extends Error {
  constructor(nodeId: number, by: number | null) {
    super(`node ${nodeId} was declared dead by node ${by ?? "?"} while it was not answering; its channels were taken over`);
    this.name = "NodeDeclaredDeadError";
  }
}

/**
 * Records that the node is alive and returns its mode, which an operator may have changed.
 * A node that its peers declared dead (it stopped answering past the grace period and
 * its jobs were released) must not carry on as if nothing happened: it gets an error.
 */
export async function heartbeat(options: { nodeId: number; status?: string; workerIds?: string[] }): Promise<"ACTIVE" | "FAILOVER"> {
  const db = await getDb();
  const rows = await db.$queryRawUnsafe<Array<{ mode: "ACTIVE" | "FAILOVER" }>>(
    `UPDATE node SET last_heartbeat = now(), status = COALESCE($2, status), worker_id = COALESCE($3, worker_id)
     WHERE id = $1 AND declared_dead_at IS NULL RETURNING mode::text AS mode`,
    options.nodeId,
    options.status ?? null,
    options.workerIds ? options.workerIds.join(",") : null,
  );
  if (rows[0]) return rows[0].mode;
  const n = await db.node.findUnique({ where: { id: options.nodeId } });
  throw new NodeDeclaredDeadError(options.nodeId, n?.declaredDeadBy ?? null);
}
