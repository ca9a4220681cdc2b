// A channel's health changed after a cycle: the audit log records it, and the alerts
// configured for it go out (webhook, e-mail). Called by the cycle that saw the change.
import { recordAudit } from "../audit/record-audit.ts";
import type { THealthChange } from "../health/channel-health.ts";

export async function onHealthChange(options: { channelId: number; channelName: string; change: THealthChange }): Promise<void> {
  const { change } = options;
  await recordAudit({
    actor: "ferry",
    via: "worker",
    channelId: options.channelId,
    action: "channel.health",
    details: { from: change.previous, to: change.current.state, reason: change.current.reason, quarantineUntil: change.quarantineUntil?.toISOString() ?? null },
  });
}
