// After a cycle: how it went (its verdict), how many cycles in a row have failed, whether
// the channel goes into quarantine (or leaves it), and the channel's health — written
// with the channel's last-cycle fields, by the lease holder. A change of health is what
// alerts are sent on (lib/alerts).
import { channelHealth, cycleVerdict, quarantineAfter, type TCycleFacts, type THealthChange } from "../health/channel-health.ts";
import type { Prisma } from "../db/index.ts";
import type { TOptions } from "../channel-config/config.ts";

export type TChannelHealthRow = {
  id: number;
  active: boolean;
  connectionActive: boolean;
  failingCycles: number;
  health: string | null;
  healthSince: Date | null;
};

export type { THealthChange };

/** The channel fields to write after a cycle, and what changed. */
export async function healthAfterCycle(
  tx: Prisma.TransactionClient,
  row: TChannelHealthRow,
  options: Pick<TOptions, "quarantineAfterFailures">,
  facts: TCycleFacts & { message: string },
  now = new Date(),
): Promise<{ data: Prisma.ChannelUpdateInput; change: THealthChange }> {
  const verdict = cycleVerdict(facts);
  const failing = verdict === "directory-failed" || verdict === "target-failed";
  // an interrupted cycle says nothing either way
  const failingCycles = failing ? row.failingCycles + 1 : verdict === "interrupted" ? row.failingCycles : 0;
  const q = failing ? quarantineAfter(failingCycles, options) : null;
  const quarantineUntil = q ? new Date(now.getTime() + q.seconds * 1000) : null;
  const quarantineReason = q
    ? `${failingCycles} failing ${failingCycles === 1 ? "cycle" : "cycles"} in a row; the next try is at ${quarantineUntil!.toISOString().replace(/\.\d{3}Z$/, "Z")} (${Math.round(q.seconds / 60)} min): ${facts.message}`
    : null;
  const held = await tx.deprovisionHold.count({ where: { channelId: row.id, status: "HELD" } });
  const current = channelHealth({
    active: row.active,
    connectionActive: row.connectionActive,
    now,
    quarantineUntil,
    quarantineReason,
    held,
    last: { verdict, message: facts.message },
    failingCycles,
  });
  const since = current.state !== row.health || !row.healthSince ? now : row.healthSince;
  return {
    data: {
      lastCycleVerdict: verdict,
      failingCycles,
      // a cycle that does not fail ends a quarantine; an interrupted one leaves it as it was
      ...(verdict === "interrupted" ? {} : { quarantineUntil, quarantineLevel: q?.level ?? 0, quarantineReason }),
      health: current.state,
      healthReason: current.reason,
      healthSince: since,
    },
    change: { verdict, previous: row.health, current, since, quarantineUntil },
  };
}
