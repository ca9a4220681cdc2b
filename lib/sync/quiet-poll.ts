// A scheduled cycle that would find nothing to do is left out. At a 5 s sync frequency a
// channel whose directory does not change runs 720 cycles an hour, each with its lease,
// its history row, a request to the target and a dozen statements (40-90 ms of the
// worker's one thread): twenty such channels took 17.6% of the speed of another
// channel's 100,000-user first load on the same node (issue 17). Before a scheduled cycle
// the worker looks instead: the directory's change marker (lib/ldap/directory-marker.ts:
// OpenLDAP's contextCSN, AD's highestCommittedUSN, 389-DS's lastchangenumber) against the
// one taken before the last clean cycle's read, and the store. When nothing can have
// changed it records the look (channel.last_polled_at) and queues the next one.
//
// Leaving a cycle out can delay a change, never lose one or deprovision anyone: the next
// cycle reads from where the last one stopped (its timestamp or cookie), whatever number
// of looks came between. A whole cycle still runs
//   - when the last cycle did not end SUCCESS (a failed read, a refused record, a held
//     deprovisioning: poll_marker is null then),
//   - when records wait to be pushed or retried, a full read or a reset is due,
//   - when the channel's settings changed, or the directory keeps no marker or could not
//     be asked (an unreachable directory gets its failed cycle, its health and alerts),
//   - and at least every FERRY_QUIET_CYCLE_SEC whatever the look says: the target is
//     checked (a revoked token shows within that time, not at the next change) and a
//     marker that missed a write (a server that does not move it) costs that much delay.
// Only scheduled cycles are looked before: run now, retry now, an approval, a push-mode
// watcher's change and provmgr always run a whole cycle.
import { createHash } from "node:crypto";
import type { PrismaClient } from "../db/index.ts";
import { readStoredChannel } from "../channel-config/stored.ts";
import { laneOf, type TLaneRow } from "../jobs/cycle-lane.ts";
import { directoryChangeMarker } from "../ldap/directory-marker.ts";
import { Directory } from "../ldap/directory.ts";
import { fetchDirtyGroups } from "../records/group-records.ts";
import { fetchDirtyUsers } from "../records/user-records.ts";

/** The channel columns a look reads. */
export type TPollRow = TLaneRow & {
  id: number;
  name: string;
  target: unknown;
  mapping: unknown;
  pollMarker: string | null;
  lastCycleAt: Date | null;
  leaseExpiresAt: Date | null;
};

export type TPollLook = { quiet: true } | { quiet: false; reason: string };

/**
 * The channel's settings as one string: whatever of source, target, mapping and options
 * changes, a look does not take the old marker for the new settings.
 */
export function channelSettingsFingerprint(row: { source: unknown; target: unknown; mapping: unknown; options: unknown }): string {
  return createHash("sha256").update(JSON.stringify([row.source, row.target, row.mapping, row.options])).digest("base64url").slice(0, 22);
}

/** What poll_marker holds: the directory's marker and the settings it was taken with. */
export function pollMarkerOf(dirMarker: string | null, row: Parameters<typeof channelSettingsFingerprint>[0]): string | null {
  return dirMarker === null ? null : `${dirMarker}|${channelSettingsFingerprint(row)}`;
}

/**
 * What the store alone says, before the directory is asked (pure): a reason to run the
 * whole cycle, or null when only the directory's marker can tell.
 */
export function storeReasonToRun(row: TPollRow, now: number, quietCycleSec: number): string | null {
  if (quietCycleSec <= 0) return "quiet polls are off (FERRY_QUIET_CYCLE_SEC=0)";
  if (row.pollMarker === null) return "the last cycle did not complete cleanly";
  if (!row.lastCycleAt || now - row.lastCycleAt.getTime() >= quietCycleSec * 1000) return `no whole cycle for ${quietCycleSec} s`;
  if (row.leaseExpiresAt && row.leaseExpiresAt.getTime() > now) return "a cycle holds the channel";
  if (laneOf(row, now) === "bulk") return "a full read is due";
  return null;
}

/**
 * Looks before a scheduled cycle: quiet when the whole cycle would find nothing to do.
 * Read-only but for last_polled_at; any doubt (an error included) runs the cycle.
 */
export async function lookBeforeCycle(db: PrismaClient, row: TPollRow, quietCycleSec: number, now = Date.now()): Promise<TPollLook> {
  const byStore = storeReasonToRun(row, now, quietCycleSec);
  if (byStore) return { quiet: false, reason: byStore };
  const cut = row.pollMarker!.lastIndexOf("|");
  const mark = row.pollMarker!.slice(0, cut);
  const settings = row.pollMarker!.slice(cut + 1);
  if (settings !== channelSettingsFingerprint(row)) return { quiet: false, reason: "the channel's settings changed" };
  if ((await fetchDirtyUsers(db, row.id, 0n, 1)).length > 0) return { quiet: false, reason: "users wait to be pushed" };
  if ((await fetchDirtyGroups(db, row.id, 0n, 1)).length > 0) return { quiet: false, reason: "groups wait to be pushed" };
  let dirMarker: string | null;
  try {
    const cfg = readStoredChannel(row);
    const dir = await Directory.open(cfg.source);
    try {
      dirMarker = await directoryChangeMarker(dir, cfg.source);
    } finally {
      await dir.close();
    }
  } catch (err) {
    return { quiet: false, reason: `the directory could not be asked: ${(err as Error).message}` };
  }
  if (dirMarker === null) return { quiet: false, reason: "the directory keeps no change marker" };
  if (dirMarker !== mark) return { quiet: false, reason: "the directory changed" };
  // not through Prisma's update: the channel's updated_at stays the time its settings changed
  await db.$executeRawUnsafe(`UPDATE channel SET last_polled_at = now() WHERE id = $1`, row.id);
  return { quiet: true };
}
