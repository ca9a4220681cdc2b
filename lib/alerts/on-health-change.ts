// A channel's health changed after a cycle: the audit log records it, and the events it
// raises (events.ts) go to the alert destinations that want them (deliver.ts). Called by
// the cycle that saw the change.
import { recordAudit } from "../audit/record-audit.ts";
import type { THealthChange } from "../health/channel-health.ts";
import { queueAlerts } from "./deliver.ts";
import { eventsOf } from "./events.ts";

export async function onHealthChange(options: { channelId: number; channelName: string; change: THealthChange }): Promise<{ events: string[] }> {
  const { change } = options;
  const events = eventsOf(change);
  await recordAudit({
    actor: "ferry",
    via: "worker",
    channelId: options.channelId,
    action: "channel.health",
    details: { from: change.previous, to: change.current.state, reason: change.current.reason, quarantineUntil: change.quarantineUntil?.toISOString() ?? null, alerts: events },
  });
  await queueAlerts(events, {
    channel: { id: options.channelId, name: options.channelName },
    health: { ...change.current, since: change.since },
    previous: change.previous,
    quarantineUntil: change.quarantineUntil,
  });
  return { events };
}
