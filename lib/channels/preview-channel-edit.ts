// "Preview changes" on the channel form: the plan of the next cycle as it would be once an
// edit of the mapping, scope or options is saved — before it is. The edit is resolved as
// saving it would resolve it (a kept secret only for its own host, refused otherwise),
// then planned with the markers the save would reset (a new scope read in full, new
// rules looking at every user again), in the plan's rolled-back transaction: nothing is
// saved, sent or changed. Admin, as saving is, and audited like a connection test: it
// reads the directory with a stored secret where the edit says.
//
// The same for a channel not created yet (previewNewChannel): its first cycle — every user
// and group in scope to create — planned with a channel row inserted inside the plan's
// rolled-back transaction, so "this will create 12,034 users" is known before Create.
import { recordAudit } from "../audit/record-audit.ts";
import type { TChannelEdit } from "../channel-config/config.ts";
import { resolveChannel } from "../channel-config/resolve.ts";
import { readStoredParts } from "../channel-config/stored.ts";
import type { TActor } from "./actor.ts";
import { planCycle } from "./plan-cycle.ts";
import type { TPlan } from "./plan-view.ts";
import { requireChannel } from "./require-channel.ts";
import { assertChannelNameFree } from "./save-channel.ts";
import { markerResets } from "./store-channel-config.ts";

/** The plan of a new channel's first cycle, before it is created. */
export async function previewNewChannel(options: { config: TChannelEdit; limit?: number } & TActor): Promise<TPlan> {
  const cfg = resolveChannel(options.config, null);
  await assertChannelNameFree(cfg.name, undefined);
  await recordAudit({ actor: options.actor, via: options.via, action: "channel.preview-create", details: { name: cfg.name } });
  return planCycle({ channelId: 0, create: cfg, limit: options.limit });
}

export async function previewChannelEdit(options: { channelId: number; config: TChannelEdit; limit?: number } & TActor): Promise<TPlan & { scopeChanged: boolean; rulesChanged: boolean }> {
  const existing = await requireChannel(options.channelId);
  // refused secrets (400, naming each field) before the directory is asked anything
  const cfg = resolveChannel(options.config, readStoredParts(existing));
  const { scopeChanged, rulesChanged, resets } = markerResets(existing, cfg);
  await recordAudit({ actor: options.actor, via: options.via, channelId: existing.id, action: "channel.preview-edit", details: { scopeChanged, rulesChanged } });
  const plan = await planCycle({ channelId: existing.id, config: cfg, resets, limit: options.limit });
  return { ...plan, scopeChanged, rulesChanged };
}
