// A worker process registers as a node: a numeric ID (FERRY_NODE_ID, or the one this
// data directory was given before, or the next free one), hostname, pid, mode.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getDb } from "../db/index.ts";
import { getEnv } from "../env.ts";

export type TRegisteredNode = { id: number; mode: "ACTIVE" | "FAILOVER"; previousWorkerIds: string[] };

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
  const prev = await db.node.findUnique({ where: { id } });
  const node = await db.node.upsert({
    where: { id },
    create: { id, hostname: os.hostname(), pid: process.pid, status: "STARTING", version: options.version },
    // a restart (also after being declared dead) is a fresh start; the previous worker ids are kept to release their locks
    update: { hostname: os.hostname(), pid: process.pid, status: "STARTING", lastHeartbeat: new Date(), startedAt: new Date(), version: options.version, declaredDeadAt: null, declaredDeadBy: null },
  });
  return {
    id: node.id,
    mode: node.mode,
    previousWorkerIds: (prev?.workerId ?? "").split(",").filter(Boolean),
  };
}
