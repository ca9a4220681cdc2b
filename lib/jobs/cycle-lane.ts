// Which lane of a node a channel's next cycle runs in. Long cycles (a first load, a full
// reconciliation: minutes at 100,000 users) run in a few slots of their own; the other
// slots are kept for the short incremental cycles of every other channel, so two first
// loads can no longer hold back the new hires and leavers of thirty other apps.
//
// The lane is decided before the cycle reads anything, from the channel's stored state
// (full-read-due.ts, the rules the read itself applies): never read yet, a reset, the
// periodic reconciliation due. A cycle that turns long for a reason only the directory
// shows (its provisioning group changed) runs in the lane it started in. A wrong guess
// costs fairness, never safety: the channel's queue and lease still run one cycle of a
// channel at a time, in either lane, on any node.
import { z } from "zod";
import { ZOptions } from "../channel-config/config.ts";
import { AppError } from "../errors.ts";
import { periodicFullReadDue, resetFullRead } from "../sync/full-read-due.ts";

export type TCycleLane = "incremental" | "bulk";

/** What of a channel row decides its lane (stored JSON read through its own schema). */
export type TLaneRow = {
  source: unknown;
  options: unknown;
  attributeSyncTimestamp: string | null;
  groupTimestamp: string | null;
  lastFullSyncAt: Date | null;
};

/** The channel columns laneOf reads (a Prisma select). */
export const LANE_FIELDS = { source: true, options: true, attributeSyncTimestamp: true, groupTimestamp: true, lastFullSyncAt: true } as const;

const ZLaneSource = z.looseObject({ groupDn: z.string().optional() });
const ZLaneOptions = z.looseObject({ fullSyncIntervalSec: ZOptions.shape.fullSyncIntervalSec });

export function laneOf(row: TLaneRow, now = Date.now()): TCycleLane {
  if (resetFullRead(row)) return "bulk";
  // a group scope whose group timestamp was reset reads the whole scope again
  const source = ZLaneSource.safeParse(row.source);
  if (source.success && source.data.groupDn && row.groupTimestamp === null) return "bulk";
  // a row that does not parse: its cycle reports the bad configuration, quickly
  const options = ZLaneOptions.safeParse(row.options);
  if (options.success && periodicFullReadDue(row.lastFullSyncAt, options.data.fullSyncIntervalSec, now)) return "bulk";
  return "incremental";
}

/** The slots of each lane on this node, from FERRY_WORKER_CONCURRENCY and FERRY_WORKER_BULK_CONCURRENCY. */
export function laneSlots(env: { FERRY_WORKER_CONCURRENCY: number; FERRY_WORKER_BULK_CONCURRENCY: number }): Record<TCycleLane, number> {
  const total = env.FERRY_WORKER_CONCURRENCY;
  const bulk = env.FERRY_WORKER_BULK_CONCURRENCY;
  if (bulk >= total) {
    throw new AppError(
      "INVALID_CONFIG",
      `bad environment: FERRY_WORKER_BULK_CONCURRENCY (${bulk}) must be less than FERRY_WORKER_CONCURRENCY (${total}): at least one slot is kept for incremental cycles`,
    );
  }
  return { incremental: total - bulk, bulk };
}
