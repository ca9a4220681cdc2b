// --show-nodes, --force-node-backup -n <node ID>.
import { getEnv } from "../../lib/env.ts";
import { forceNodeBackup as forceNodeBackupLib } from "../../lib/nodes/force-node-backup.ts";
import { listNodes } from "../../lib/nodes/list-nodes.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtDate, NONE, table } from "../format.ts";

export async function showNodes(ctx: TCommandContext): Promise<TSummary> {
  const nodes = await listNodes({ heartbeatSec: getEnv().FERRY_HEARTBEAT_SEC });
  if (ctx.out.json) {
    await ctx.out.value({ command: "show-nodes", nodes });
    return { nodes: nodes.length };
  }
  if (nodes.length === 0) {
    await ctx.out.lines(["No provisioning nodes have registered yet (a node registers when its worker starts)."]);
    return { nodes: 0 };
  }
  await ctx.out.lines(
    table(
      ["ID", "HOSTNAME", "PID", "MODE", "STATUS", "LAST HEARTBEAT", "STARTED"],
      nodes.map((n) => [String(n.id), n.hostname, n.pid === null ? NONE : String(n.pid), n.mode, n.effectiveStatus, fmtDate(n.lastHeartbeat), fmtDate(n.startedAt)]),
    ),
  );
  return { nodes: nodes.length };
}

export async function forceNodeBackup(ctx: TCommandContext, nodeId: number): Promise<TSummary> {
  const r = await forceNodeBackupLib({ nodeId, ...ctx.actor });
  if (ctx.out.json) {
    await ctx.out.value({ command: "force-node-backup", nodeId: r.id, mode: "FAILOVER", previousMode: r.previousMode });
  } else {
    await ctx.out.lines([
      r.previousMode === "FAILOVER"
        ? `Node ${r.id} was already in FAILOVER mode; nothing changed.`
        : `Node ${r.id} is now in FAILOVER mode (was ${r.previousMode}). At its next heartbeat it stands by, and provisions only while no ACTIVE node is alive.`,
    ]);
  }
  return { node: r.id, previousMode: r.previousMode };
}
