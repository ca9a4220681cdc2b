// A node whose heartbeat is older than the grace period (on the database's clock) is
// declared dead by the first live peer that notices; its job locks are then released so
// its channels run elsewhere. The dead node's own leases expire on their own, and its
// writes are fenced (lib/sync/lease.ts) should it wake up.
import { getDb } from "../db/index.ts";

export async function reapDeadNodes(options: { byNodeId: number; graceSec: number }): Promise<Array<{ id: number; workerIds: string[] }>> {
  const db = await getDb();
  const rows = await db.$queryRawUnsafe<Array<{ id: number; worker_id: string | null }>>(
    `UPDATE node SET status = 'DEAD', declared_dead_by = $1, declared_dead_at = now()
     WHERE id <> $1 AND status IN ('STARTING', 'RUNNING', 'STANDBY') AND declared_dead_at IS NULL
       AND last_heartbeat < now() - make_interval(secs => $2)
     RETURNING id, worker_id`,
    options.byNodeId,
    options.graceSec,
  );
  return rows.map((r) => ({ id: r.id, workerIds: (r.worker_id ?? "").split(",").filter(Boolean) }));
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
