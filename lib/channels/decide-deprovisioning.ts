// An administrator's decision on deprovisioning the guard held: approve or reject. The
// decision names the hold and the number of records the administrator reviewed: if the
// hold covers a different number by now (the directory moved since the page was loaded),
// it is refused and must be reviewed again. Both are audited.
//
// Approve: the next cycle releases exactly the records the hold covered — those that
// still await deprovisioning; anything new since is checked by the guard on its own. A
// cycle is asked for at once so nobody waits a whole period. A rejected hold may be
// approved after all (while no other hold of its kind is open).
//
// Reject: nothing is deprovisioned. The records keep the hold's id and stay as they are
// at the target; every later cycle leaves them out of its count (lib/sync/deprovision.ts),
// so the same mass deprovisioning is not held again and again. A record that comes back
// in the directory is let go of; when none is left the hold is resolved.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { requestCycleSoon } from "../jobs/request-cycle.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

type TDecision = { channelId: number; holdId: string | number | bigint; count: number } & TActor;
type TDecided = { holdId: string; kind: string; count: number };

function holdIdOf(raw: TDecision["holdId"]): bigint {
  try {
    return BigInt(raw);
  } catch {
    throw new AppError("INVALID_ARGUMENT", `hold ${String(raw)} is not a hold id`);
  }
}

/**
 * Moves hold `holdId` of the channel from one of `from` to the status `data` sets, if it
 * still covers `count` records; in one transaction, refused on any change since.
 */
async function decide(
  o: TDecision,
  verb: "approve" | "reject",
  from: ReadonlyArray<"HELD" | "REJECTED">,
  data: Record<string, unknown>,
): Promise<{ hold: { id: bigint; kind: string; count: number; rule: string; reason: string; status: string }; channel: Awaited<ReturnType<typeof requireChannel>> }> {
  const ch = await requireChannel(o.channelId);
  const holdId = holdIdOf(o.holdId);
  const db = await getDb();
  const hold = await db.$transaction(async (tx) => {
    const h = await tx.deprovisionHold.findFirst({ where: { id: holdId, channelId: ch.id } });
    if (!h) throw new AppError("NOT_FOUND", `channel ${ch.id} has no deprovisioning hold #${holdId}`);
    if (!(from as readonly string[]).includes(h.status)) {
      throw new AppError("CONFLICT", `hold #${holdId} is ${h.status.toLowerCase()}${h.outcome ? ` (${h.outcome})` : ""}: nothing to ${verb}`);
    }
    if (h.count !== o.count) {
      throw new AppError(
        "CONFLICT",
        `hold #${holdId} now covers ${h.count} ${h.kind}, not the ${o.count} you reviewed: the directory changed since; review the hold again`,
      );
    }
    if (h.status === "REJECTED") {
      const other = await tx.deprovisionHold.findFirst({ where: { channelId: ch.id, kind: h.kind, status: { in: ["HELD", "APPROVED"] } } });
      if (other) throw new AppError("CONFLICT", `hold #${other.id} of the channel's ${h.kind} is open: decide it first`);
    }
    const n = await tx.deprovisionHold.updateMany({ where: { id: holdId, status: h.status, count: o.count }, data });
    if (n.count !== 1) throw new AppError("CONFLICT", `hold #${holdId} changed while it was being decided; review it again`);
    return h;
  });
  return { hold, channel: ch };
}

export async function approveDeprovisioning(o: TDecision): Promise<TDecided & { cycleRequested: boolean }> {
  const { hold, channel } = await decide(o, "approve", ["HELD", "REJECTED"], {
    status: "APPROVED",
    approvedBy: o.actor,
    approvedVia: o.via,
    approvedAt: new Date(),
  });
  await recordAudit({
    actor: o.actor,
    via: o.via,
    channelId: channel.id,
    action: "deprovisioning.approve",
    details: { hold: hold.id.toString(), kind: hold.kind, count: hold.count, rule: hold.rule, reason: hold.reason, ...(hold.status === "REJECTED" ? { wasRejected: true } : {}) },
  });
  const cycleRequested = channel.active && channel.connectionActive ? await requestCycleSoon(channel.id, "approval") : false;
  return { holdId: hold.id.toString(), kind: hold.kind, count: hold.count, cycleRequested };
}

export async function rejectDeprovisioning(o: TDecision & { reason?: string | undefined }): Promise<TDecided> {
  const reason = o.reason?.trim() || null;
  const { hold, channel } = await decide(o, "reject", ["HELD"], {
    status: "REJECTED",
    rejectedBy: o.actor,
    rejectedVia: o.via,
    rejectedAt: new Date(),
    rejectReason: reason,
  });
  await recordAudit({
    actor: o.actor,
    via: o.via,
    channelId: channel.id,
    action: "deprovisioning.reject",
    details: { hold: hold.id.toString(), kind: hold.kind, count: hold.count, rule: hold.rule, reason: hold.reason, ...(reason ? { note: reason } : {}) },
  });
  return { holdId: hold.id.toString(), kind: hold.kind, count: hold.count };
}
