// An administrator's "try it now": a quarantined channel (too many failing cycles in a
// row) waits minutes to hours between tries; releasing it clears the quarantine and asks
// for a cycle at once. If that cycle fails again, the count of failing cycles goes on
// where it was and the next quarantine is the longer one.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import { requestCycleSoon } from "../jobs/request-cycle.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

export async function releaseQuarantine(options: { channelId: number } & TActor): Promise<{ wasQuarantined: boolean; until: Date | null; cycleRequested: boolean }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const was = ch.quarantineUntil !== null && ch.quarantineUntil.getTime() > Date.now();
  await db.channel.update({ where: { id: ch.id }, data: { quarantineUntil: null, quarantineReason: null } });
  const cycleRequested = ch.active && ch.connectionActive ? await requestCycleSoon(ch.id, "quarantine released") : false;
  await recordAudit({ ...options, action: "release-quarantine", details: { wasQuarantined: was, until: ch.quarantineUntil?.toISOString() ?? null } });
  return { wasQuarantined: was, until: ch.quarantineUntil, cycleRequested };
}
