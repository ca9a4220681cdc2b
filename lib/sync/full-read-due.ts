// The full reads a channel's own stored state asks for, known before anything is read
// (read-users.ts decides the rest with the directory in hand: a changed provisioning
// group, a change feed that starts or lost its place, a held deprovisioning). Shared by
// the read itself and by the worker's lanes (lib/jobs/cycle-lane.ts), which send the
// long cycles these make to their own slots.

/** A reset (or the channel's very first read) asks for a full read: why, or undefined. */
export function resetFullRead(channel: { attributeSyncTimestamp: string | null }): string | undefined {
  if (!channel.attributeSyncTimestamp) return "first read";
  if (channel.attributeSyncTimestamp === "1") return "attribute sync timestamp reset";
  return undefined;
}

/** The periodic full reconciliation is due (fullSyncIntervalSec since the last full read; never with 0). */
export function periodicFullReadDue(lastFullSyncAt: Date | null, intervalSec: number, now = Date.now()): boolean {
  return intervalSec > 0 && (!lastFullSyncAt || now - lastFullSyncAt.getTime() >= intervalSec * 1000);
}
