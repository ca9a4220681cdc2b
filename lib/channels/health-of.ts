// A channel's health as every view shows it (console, API, provmgr): computed now from
// the channel row — so switching a channel off or releasing a quarantine shows at once —
// and the open deprovisioning holds, by the same rule the worker stores after each cycle.
import { channelHealth, type THealth, type TCycleVerdict } from "../health/channel-health.ts";

export type THealthView = THealth & {
  /** since when the stored health has been what it is (set by the cycles) */
  since: Date | null;
  quarantineUntil: Date | null;
  failingCycles: number;
};

export function healthOf(
  row: {
    active: boolean;
    connectionActive: boolean;
    quarantineUntil: Date | null;
    quarantineReason: string | null;
    lastCycleVerdict: string | null;
    lastCycleMessage: string | null;
    failingCycles: number;
    healthSince: Date | null;
    health: string | null;
  },
  heldHolds: number,
  now = new Date(),
): THealthView {
  const h = channelHealth({
    active: row.active,
    connectionActive: row.connectionActive,
    now,
    quarantineUntil: row.quarantineUntil,
    quarantineReason: row.quarantineReason,
    held: heldHolds,
    last: row.lastCycleVerdict ? { verdict: row.lastCycleVerdict as TCycleVerdict, message: row.lastCycleMessage } : null,
    failingCycles: row.failingCycles,
  });
  const quarantined = row.quarantineUntil !== null && row.quarantineUntil.getTime() > now.getTime();
  return { ...h, since: h.state === row.health ? row.healthSince : null, quarantineUntil: quarantined ? row.quarantineUntil : null, failingCycles: row.failingCycles };
}
