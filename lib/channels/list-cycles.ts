// A channel's most recent provisioning cycles, newest first, on the (channel_id, started_at) index.
import { getDb } from "../db/index.ts";

export type TCycleView = {
  id: string;
  nodeId: number | null;
  kind: string;
  status: string;
  startedAt: Date;
  finishedAt: Date | null;
  message: string | null;
  stats: Record<string, unknown> | null;
};

export async function listCycles(options: { channelId: number; limit?: number }): Promise<TCycleView[]> {
  const db = await getDb();
  const rows = await db.cycle.findMany({
    where: { channelId: options.channelId },
    orderBy: { startedAt: "desc" },
    take: Math.min(options.limit ?? 10, 100),
  });
  return rows.map((r) => ({
    id: r.id.toString(),
    nodeId: r.nodeId,
    kind: r.kind,
    status: r.status,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    message: r.message,
    stats: (r.stats as Record<string, unknown> | null) ?? null,
  }));
}
