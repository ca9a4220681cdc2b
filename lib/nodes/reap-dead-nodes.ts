// A node whose heartbeat is older than the grace period (on the database's clock) is
// declared dead by the first live peer that notices, and in the same transaction its
// RUNNING cycles are marked ABORTED; the caller releases its job locks so its channels
// run elsewhere. Its leases are left to run out: a node that is only slow (not gone)
// keeps writing until its next heartbeat tells it, and should it wake up later its
// writes are fenced (lib/sync/lease.ts). Only a node's own restart knows for sure that
// its previous process is gone, and releases at once (register-node.ts).
import { getDb } from "../db/index.ts";
import { abortCycles } from "../sync/abort-cycles.ts";

export async function reapDeadNodes(options: { byNodeId: number; graceSec: number }): Promise<Array<{ id: number; workerIds: string[] }>> {
  const db = await getDb();
  return db.$transaction(async (tx) => {
    const rows = await tx.$queryRawUnsafe<Array<{ id: number; worker_id: string | null }>>(
      `UPDATE node SET status = 'DEAD', declared_dead_by = $1, declared_dead_at = now()
       WHERE id <> $1 AND status IN ('STARTING', 'RUNNING', 'STANDBY') AND declared_dead_at IS NULL
         AND last_heartbeat < now() - make_interval(secs => $2)
       RETURNING id, worker_id`,
      options.byNodeId,
      options.graceSec,
    );
    for (const r of rows) {
      await abortCycles(tx, { nodeId: r.id }, `node ${r.id} running it stopped answering and was declared dead by node ${options.byNodeId}`);
    }
    return rows.map((r) => ({ id: r.id, workerIds: (r.worker_id ?? "").split(",").filter(Boolean) }));
  });
}

/** An ACTIVE node provisions; a FAILOVER node only while no ACTIVE node is alive. */
export async function shouldProvision(options: { nodeId: number; mode: "ACTIVE" | "FAILOVER"; graceSec: number }): Promise<boolean> {
  if (options.mode === "ACTIVE") return true;
  const db = await getDb();
  const live = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
    `SELECT count(*) AS n FROM node WHERE id <> $1 AND mode = 'ACTIVE' AND status = 'RUNNING' AND declared_dead_at IS NULL
       AND last_heartbeat >= now() - make_interval(secs => $2)`,
    options.nodeId,
    options.graceSec,
  );
  return Number(live[0]?.n ?? 0) === 0;
}
