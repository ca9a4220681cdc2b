// A worker process registers as a node: a numeric ID (FERRY_NODE_ID, or the one this
// data directory was given before, or the next free one), hostname, pid, mode. A node
// that registers again is a restart: what its previous process held is released.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getDb } from "../db/index.ts";
import { getEnv } from "../env.ts";
import { abortCycles } from "../sync/abort-cycles.ts";
import { Lease } from "../sync/lease.ts";

export type TRegisteredNode = {
  id: number;
  mode: "ACTIVE" | "FAILOVER";
  previousWorkerIds: string[];
  /** channels whose lease the previous process of this node held, now free */
  releasedChannels: number[];
  /** cycles the previous process left RUNNING, now ABORTED */
  abortedCycles: number;
};

export async function registerNode(options: { nodeId?: number; version?: string }): Promise<TRegisteredNode> {
  const db = await getDb();
  const env = getEnv();
  const idFile = path.join(env.dataDir, "node.id");
  let id = options.nodeId ?? (existsSync(idFile) ? Number(readFileSync(idFile, "utf8").trim()) || undefined : undefined);
  if (id === undefined) {
    const max = await db.node.aggregate({ _max: { id: true } });
    id = (max._max.id ?? 0) + 1;
    mkdirSync(env.dataDir, { recursive: true });
    writeFileSync(idFile, `${id}\n`);
  }
  const nodeId = id;
  return db.$transaction(async (tx) => {
    const prev = await tx.node.findUnique({ where: { id: nodeId } });
    const node = await tx.node.upsert({
      where: { id: nodeId },
      create: { id: nodeId, hostname: os.hostname(), pid: process.pid, status: "STARTING", version: options.version },
      // a restart (also after being declared dead) is a fresh start; the previous worker ids are kept to release their locks
      update: { hostname: os.hostname(), pid: process.pid, status: "STARTING", lastHeartbeat: new Date(), startedAt: new Date(), version: options.version, declaredDeadAt: null, declaredDeadBy: null },
    });
    // This process is the node now: the previous one is gone (a node ID belongs to one
    // worker process at a time), so the leases it held are taken back at once instead of
    // after up to FERRY_LEASE_SEC, and the cycles it was running are ended.
    const releasedChannels = prev ? await Lease.releaseHeldBy(tx, nodeId) : [];
    const abortedCycles = prev ? await abortCycles(tx, { nodeId }, `node ${nodeId} restarted; the process that ran this cycle had died (pid ${prev.pid ?? "?"} on ${prev.hostname})`) : 0;
    return {
      id: node.id,
      mode: node.mode,
      previousWorkerIds: (prev?.workerId ?? "").split(",").filter(Boolean),
      releasedChannels,
      abortedCycles,
    };
  });
}
