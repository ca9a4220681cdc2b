// Deprovisioning the guard held for a channel: the open holds (what awaits a decision,
// or was approved and awaits its cycle, or was rejected and still keeps people at the
// target — with the first records each covers, so an administrator sees who) and the
// recent closed ones (what was approved, by whom, or how it resolved itself).
import { getDb } from "../db/index.ts";
import { requireChannel } from "./require-channel.ts";

export type THeldRecord = { id: string; name: string | null; dn: string; sourceState: string; targetState: string };

export type THoldView = {
  id: string;
  kind: "users" | "groups";
  status: "HELD" | "APPROVED" | "RELEASED" | "RESOLVED" | "REJECTED";
  rule: string;
  reason: string;
  count: number;
  base: number;
  createdAt: Date;
  checkedAt: Date;
  approvedBy: string | null;
  approvedVia: string | null;
  approvedAt: Date | null;
  rejectedBy: string | null;
  rejectedVia: string | null;
  rejectedAt: Date | null;
  rejectReason: string | null;
  closedAt: Date | null;
  outcome: string | null;
  /** open holds: the first records covered, in name order */
  sample: THeldRecord[];
};

const SAMPLE = 20;
/** holds that still cover records: awaiting a decision, approved, or rejected and keeping them */
const OPEN = ["HELD", "APPROVED", "REJECTED"] as const;

/** `limit`: closed holds to list; `sample`: records shown per open hold. */
export async function listDeprovisionHolds(options: { channelId: number; limit?: number; sample?: number }): Promise<{ open: THoldView[]; closed: THoldView[] }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  // every open hold (at most one per record kind), then the newest closed ones
  const rows = [
    ...(await db.deprovisionHold.findMany({ where: { channelId: ch.id, status: { in: [...OPEN] } }, orderBy: { id: "desc" } })),
    ...(await db.deprovisionHold.findMany({
      where: { channelId: ch.id, status: { in: ["RELEASED", "RESOLVED"] } },
      orderBy: { id: "desc" },
      take: Math.min(Math.max(options.limit ?? 20, 1), 200),
    })),
  ];
  const view = (h: (typeof rows)[number], sample: THeldRecord[]): THoldView => ({
    id: h.id.toString(),
    kind: h.kind === "groups" ? "groups" : "users",
    status: h.status,
    rule: h.rule,
    reason: h.reason,
    count: h.count,
    base: h.base,
    createdAt: h.createdAt,
    checkedAt: h.checkedAt,
    approvedBy: h.approvedBy,
    approvedVia: h.approvedVia,
    approvedAt: h.approvedAt,
    rejectedBy: h.rejectedBy,
    rejectedVia: h.rejectedVia,
    rejectedAt: h.rejectedAt,
    rejectReason: h.rejectReason,
    closedAt: h.closedAt,
    outcome: h.outcome,
    sample,
  });
  const open: THoldView[] = [];
  const closed: THoldView[] = [];
  for (const h of rows) {
    if (!(OPEN as readonly string[]).includes(h.status)) {
      closed.push(view(h, []));
      continue;
    }
    const table = h.kind === "groups" ? "group_record" : "user_record";
    const sample = await db.$queryRawUnsafe<Array<{ id: bigint; name: string | null; dn: string; source_state: string; target_state: string }>>(
      `SELECT id, provider_name AS name, dn, source_state::text AS source_state, target_state::text AS target_state
       FROM ${table} WHERE hold_id = $1 ORDER BY provider_name NULLS LAST, id LIMIT $2`,
      h.id,
      Math.min(Math.max(options.sample ?? SAMPLE, 0), 500),
    );
    open.push(
      view(
        h,
        sample.map((r) => ({ id: r.id.toString(), name: r.name, dn: r.dn, sourceState: r.source_state, targetState: r.target_state })),
      ),
    );
  }
  return { open, closed };
}
