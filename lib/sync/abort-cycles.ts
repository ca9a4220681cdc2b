// A cycle records its own end; one whose process died (SIGKILL, a crash, a node declared
// dead, a lease that ran out) cannot. Whoever learns that the process is gone ends its
// RUNNING cycles here as ABORTED, with why in the message:
//   - the cycle that takes a channel's lease over (run-cycle.ts): the old holder let it run out;
//   - the peer that declares a node dead (lib/nodes/reap-dead-nodes.ts);
//   - a node that restarts under the same ID (lib/nodes/register-node.ts): its previous process is gone.
// A fenced cycle whose process is still alive (paused, then woken up) writes its own end
// afterwards, which then replaces this one.
import type { TSql } from "./lease.ts";

/** Ends the RUNNING cycles of a channel (those older than cycle `before`) or of a node; returns how many. */
export async function abortCycles(sql: TSql, of: { channelId: number; before: bigint } | { nodeId: number }, reason: string): Promise<number> {
  const message = `aborted: ${reason}`;
  // both use the partial index cycle_running_idx (migration 0004): only RUNNING rows are read
  if ("channelId" in of) {
    return sql.$executeRawUnsafe(
      `UPDATE cycle SET status = 'ABORTED', finished_at = now(), message = $3 WHERE channel_id = $1 AND status = 'RUNNING' AND id < $2`,
      of.channelId,
      of.before,
      message,
    );
  }
  return sql.$executeRawUnsafe(
    `UPDATE cycle SET status = 'ABORTED', finished_at = now(), message = $2 WHERE node_id = $1 AND status = 'RUNNING'`,
    of.nodeId,
    message,
  );
}
