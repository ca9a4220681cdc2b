// A scheduled cycle that would find nothing to do is left out. At a 5 s sync frequency a
// channel whose directory does not change runs 720 cycles an hour, each with its lease,
// its history row, a request to the target and some thirty statements (25-90 ms of
// the worker's one thread): twenty such channels took 17.6% of the speed of another
// channel's 100,000-user first load on the same node (issue 17). Before a scheduled cycle
// the worker looks instead: the directory's change marker (lib/ldap/directory-marker.ts:
// OpenLDAP's contextCSN, AD's highestCommittedUSN, 389-DS's lastchangenumber) against the
// one taken before the last clean cycle's read, and the store. When the marker moved —
// on a directory thirty channels share, a write anywhere moves it — the look asks what
// an incremental cycle would: the provisioning group's change marker, the users' change
// feed from the last cycle's cookie (read, not stored), the groups' listing against the
// store. When nothing of the channel's scope changed it records the look
// (channel.last_polled_at, and the marker it got to) and queues the next one.
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
import { changeFeedFor } from "../ldap/change-feeds.ts";
import type { TChangeBatch, TFeedRequest } from "../ldap/change-feed.ts";
import { firstValue, groupScopeFilter, timestampOf, userAttributes, userScopeFilter } from "../ldap/scope.ts";
import { groupsGone, listGroupChanges } from "./read-groups.ts";
import { readByGuid } from "./read-users.ts";
import { DUE_FOR_PUSH } from "../records/states.ts";

/** The channel columns a look reads. */
export type TPollRow = TLaneRow & {
  id: number;
  name: string;
  target: unknown;
  mapping: unknown;
  changeFeed: string | null;
  changeCookie: string | null;
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
  if (quietCycleSec <= 0) return "quiet looks are off (FERRY_QUIET_CYCLE_SEC=0)";
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
  const waiting = await recordsWaiting(db, row.id);
  if (waiting) return { quiet: false, reason: `${waiting} wait to be pushed` };
  const cfg = readStoredChannel(row);
  let dir: Directory | undefined;
  // set when the directory was written since, but nothing of this channel's scope
  let movedTo: string | null = null;
  try {
    dir = await Directory.open(cfg.source);
    const dirMarker = await directoryChangeMarker(dir, cfg.source);
    if (dirMarker === null) return { quiet: false, reason: "the directory keeps no change marker" };
    if (dirMarker !== mark) {
      // the directory was written since: was anything of this channel's scope?
      const reason = await scopeReasonToRun(db, row, cfg, dir);
      if (reason) return { quiet: false, reason };
      movedTo = dirMarker;
    }
  } catch (err) {
    return { quiet: false, reason: `the directory could not be asked: ${(err as Error).message}` };
  } finally {
    await dir?.close().catch(() => undefined);
  }
  // not through Prisma's update: the channel's updated_at stays the time its settings changed
  if (movedTo === null) {
    await db.$executeRawUnsafe(`UPDATE channel SET last_polled_at = now() WHERE id = $1`, row.id);
  } else {
    // nothing of the channel's up to movedTo (taken before the look): the next look starts
    // from there — unless a cycle stored its own marker meanwhile
    await db.$executeRawUnsafe(
      `UPDATE channel SET poll_marker = $2, last_polled_at = now() WHERE id = $1 AND poll_marker = $3`,
      row.id,
      pollMarkerOf(movedTo, row),
      row.pollMarker,
    );
  }
  return { quiet: true };
}

/** Whether users or groups wait to be pushed now (the records the cycle's push would take), in one statement. */
async function recordsWaiting(db: PrismaClient, channelId: number): Promise<"users" | "groups" | null> {
  const [r] = await db.$queryRawUnsafe<Array<{ users: boolean; groups: boolean }>>(
    `SELECT EXISTS (SELECT 1 FROM user_record WHERE channel_id = $1 AND ${DUE_FOR_PUSH}) AS users,
            EXISTS (SELECT 1 FROM group_record WHERE channel_id = $1 AND ${DUE_FOR_PUSH}) AS groups`,
    channelId,
  );
  return r?.users ? "users" : r?.groups ? "groups" : null;
}

/** Stops a change feed's read at its first change. */
class ChangeSeen extends Error {}

/**
 * Whether a batch of the feed concerns the channel, as readChanges (read-users.ts) would
 * act on it: entries in the scope, a changed scope, a present phase; entries the feed
 * cannot place (a feed that syncs every user under the base: nested groups) that the
 * scope filter returns; and gone or unplaced entries the store holds in the scope (they
 * would be recorded gone). Entries of other channels' scopes are left alone.
 */
async function concernsChannel(db: PrismaClient, channelId: number, req: TFeedRequest, b: TChangeBatch): Promise<boolean> {
  if (b.inScope?.length || b.scopeChanged || b.present) return true;
  if (b.changed?.length && (await readByGuid(req, b.changed)).entries.length > 0) return true;
  const guids = [...(b.changed ?? []), ...(b.gone ?? []).map((g) => g.guid)].map((g) => g.toLowerCase());
  if (guids.length === 0) return false;
  const held = await db.$queryRawUnsafe<unknown[]>(
    `SELECT 1 FROM user_record WHERE channel_id = $1 AND guid = ANY($2::text[]) AND source_state IN ('IN_SCOPE', 'DISABLED') LIMIT 1`,
    channelId,
    guids,
  );
  return held.length > 0;
}

/**
 * The directory was written since the last clean cycle; whether any of it is this
 * channel's, asked the way an incremental cycle asks: the provisioning group's change
 * marker, the users' change feed from the cookie the last cycle stored (read, not
 * stored: the cycle reads the same changes again), the groups' listing against the store.
 * A reason to run the cycle, or null when none of the writes concern the channel. A
 * timestamp feed always runs it: it returns the last overlap's entries again each time.
 */
async function scopeReasonToRun(db: PrismaClient, row: TPollRow, cfg: ReturnType<typeof readStoredChannel>, dir: Directory): Promise<string | null> {
  const source = cfg.source;
  if (source.groupDn) {
    const group = await dir.read(source.groupDn, [source.groupChangeAttribute, source.timestampAttribute]);
    const groupTs = group ? (firstValue(group, source.groupChangeAttribute) ?? timestampOf(group, source) ?? null) : null;
    if (groupTs === null || groupTs !== row.groupTimestamp) return "the provisioning group changed";
  }
  const feed = changeFeedFor(source);
  if (feed.kind === "timestamp" || row.changeFeed !== feed.kind || !row.changeCookie) return "the directory changed";
  const req: TFeedRequest = { dir, source, filter: userScopeFilter(source), attributes: userAttributes(source), since: row.attributeSyncTimestamp };
  try {
    await feed.read(req, row.changeCookie, async (b) => {
      if (await concernsChannel(db, row.id, req, b)) throw new ChangeSeen();
    });
  } catch (err) {
    if (err instanceof ChangeSeen) return "users in the channel's scope changed";
    return `the change feed could not be read: ${(err as Error).message}`;
  }
  const groupFilter = groupScopeFilter(source);
  if (groupFilter && cfg.options.provisionGroups) {
    const { rows, seen, changed } = await listGroupChanges(db, row.id, dir, source, groupFilter);
    if (changed.length > 0 || groupsGone(rows, seen).length > 0) return "groups in the channel's scope changed";
  }
  return null;
}
