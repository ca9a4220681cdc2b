// An administrator's approval of deprovisioning the guard held. The approval names the
// hold and the number of records the administrator reviewed: if the hold covers a
// different number by now (the directory moved since the page was loaded), it is
// refused and must be reviewed again. The next cycle releases exactly the records the
// hold covered — those that still await deprovisioning; anything new since is checked
// by the guard on its own. A cycle is asked for at once so nobody waits a whole period.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { requestCycleSoon } from "../jobs/request-cycle.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

export async function approveDeprovisioning(
  options: { channelId: number; holdId: string | number | bigint; count: number } & TActor,
): Promise<{ holdId: string; kind: string; count: number; cycleRequested: boolean }> {
  const ch = await requireChannel(options.channelId);
  let holdId: bigint;
  try {
    holdId = BigInt(options.holdId);
  } catch {
    throw new AppError("INVALID_ARGUMENT", `hold ${String(options.holdId)} is not a hold id`);
  }
  const db = await getDb();
  const hold = await db.$transaction(async (tx) => {
    const h = await tx.deprovisionHold.findFirst({ where: { id: holdId, channelId: ch.id } });
    if (!h) throw new AppError("NOT_FOUND", `channel ${ch.id} has no deprovisioning hold #${holdId}`);
    if (h.status !== "HELD") {
      throw new AppError("CONFLICT", `hold #${holdId} is ${h.status.toLowerCase()}${h.outcome ? ` (${h.outcome})` : ""}: nothing to approve`);
    }
    if (h.count !== options.count) {
      throw new AppError(
        "CONFLICT",
        `hold #${holdId} now covers ${h.count} ${h.kind}, not the ${options.count} you approved: the directory changed since; review the hold again`,
      );
    }
    const n = await tx.deprovisionHold.updateMany({
      where: { id: holdId, status: "HELD", count: options.count },
      data: { status: "APPROVED", approvedBy: options.actor, approvedVia: options.via, approvedAt: new Date() },
    });
    if (n.count !== 1) throw new AppError("CONFLICT", `hold #${holdId} changed while it was being approved; review it again`);
    return h;
  });
  await recordAudit({
    actor: options.actor,
    via: options.via,
    channelId: ch.id,
    action: "deprovisioning.approve",
    details: { hold: holdId.toString(), kind: hold.kind, count: hold.count, rule: hold.rule, reason: hold.reason },
  });
  const cycleRequested = ch.active && ch.connectionActive ? await requestCycleSoon(ch.id, "approval") : false;
  return { holdId: holdId.toString(), kind: hold.kind, count: hold.count, cycleRequested };
}
