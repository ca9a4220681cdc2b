// --show-nodes: every provisioning node with its mode, status and last heartbeat.
import { getDb } from "../db/index.ts";

export type TNodeView = {
  id: number;
  hostname: string;
  pid: number | null;
  mode: "ACTIVE" | "FAILOVER";
  status: string;
  lastHeartbeat: Date;
  startedAt: Date;
  /** a RUNNING node that has not sent a heartbeat for three intervals is shown as UNRESPONSIVE */
  effectiveStatus: string;
};

export async function listNodes(options: { heartbeatSec: number }): Promise<TNodeView[]> {
  const db = await getDb();
  const nodes = await db.node.findMany({ orderBy: { id: "asc" } });
  const stale = Date.now() - options.heartbeatSec * 3 * 1000;
  return nodes.map((n) => ({
    id: n.id,
    hostname: n.hostname,
    pid: n.pid,
    mode: n.mode,
    status: n.status,
    lastHeartbeat: n.lastHeartbeat,
    startedAt: n.startedAt,
    effectiveStatus: n.status === "RUNNING" && n.lastHeartbeat.getTime() < stale ? "UNRESPONSIVE" : n.status,
  }));
}
