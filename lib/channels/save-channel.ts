// Create or edit a channel from the console or the API. The route has parsed the body
// with ZChannelEdit (lib/channel-config/config.ts): a channel file whose secrets are
// each a new value or { keep: true } (left out: kept), so pages never hold a secret to
// save a form. A kept secret is the stored one, and only while the URLs it is sent to
// keep their host (lib/channel-config/secret-hosts.ts); for a new host it must be
// entered again. The mapping is held against the target's /Schemas
// (check-target-schema.ts). Then the same store write as channel files.
import { resolveChannel } from "../channel-config/resolve.ts";
import { readStoredParts } from "../channel-config/stored.ts";
import type { TChannelEdit } from "../channel-config/config.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import type { TActor } from "./actor.ts";
import { checkTargetSchema } from "./check-target-schema.ts";
import { requireChannel } from "./require-channel.ts";
import { storeChannelConfig, type TApplyResult } from "./store-channel-config.ts";

export async function saveChannel(options: { channelId?: number; config: TChannelEdit } & TActor): Promise<TApplyResult> {
  const existing = options.channelId !== undefined ? await requireChannel(options.channelId) : null;
  // refused secrets (400, naming each field) before anything is written
  const cfg = resolveChannel(options.config, existing ? readStoredParts(existing) : null);
  await assertChannelNameFree(cfg.name, existing?.id);
  // a mapping the target's schemas refuse is refused here (400 naming each key); an unreachable target only warns
  const warnings = await checkTargetSchema(cfg);
  return { ...(await storeChannelConfig({ cfg, existing, actor: options.actor, via: options.via })), warnings };
}

/** Refuses a name another channel than `self` has (409, on the form's name field). */
export async function assertChannelNameFree(name: string, self: number | undefined): Promise<void> {
  const db = await getDb();
  const clash = await db.channel.findUnique({ where: { name }, select: { id: true } });
  if (clash && clash.id !== self) {
    throw new AppError("CONFLICT", `a channel named "${name}" already exists (#${clash.id})`, { issues: [{ path: "name", message: "this name is taken" }] });
  }
}
