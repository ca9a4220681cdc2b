// "Run a cycle now": the channel's next cycle is asked for at once instead of at its
// scheduled time — incremental, or a full read of the whole scope (the group timestamp is
// cleared, as --reset-group-timestamp does, which also makes it read the target back).
// It never runs a second cycle beside a running one: the request replaces the channel's
// one waiting job, which waits for the lease. A quarantined channel is released by
// release-quarantine, not by this.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { requestCycleSoon } from "../jobs/request-cycle.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

export async function runCycleNow(options: { channelId: number; full: boolean } & TActor): Promise<{ full: boolean; cycleRequested: boolean }> {
  const ch = await requireChannel(options.channelId);
  if (!ch.active || !ch.connectionActive) throw new AppError("CONFLICT", `channel ${ch.id} (${ch.name}) is inactive: activate it first`);
  if (ch.quarantineUntil && ch.quarantineUntil.getTime() > Date.now()) {
    throw new AppError("CONFLICT", `channel ${ch.id} is quarantined until ${ch.quarantineUntil.toISOString().replace(/\.\d{3}Z$/, "Z")}: release it from quarantine to run a cycle now`);
  }
  if (options.full) await (await getDb()).channel.update({ where: { id: ch.id }, data: { groupTimestamp: null } });
  const cycleRequested = await requestCycleSoon(ch.id, options.full ? "run now (full)" : "run now");
  await recordAudit({ ...options, action: options.full ? "run-full-cycle-now" : "run-cycle-now", details: { cycleRequested } });
  return { full: options.full, cycleRequested };
}
