// Writes a resolved channel (lib/channel-config/resolve.ts) to the store, for both ways
// a channel is given: channel files (apply-channel-config.ts) and the console's and the
// API's edits (save-channel.ts). On update, a new scope is read in full by the next
// cycle, and new mapping or options make it look at every user again. The audit entry of
// an update says what changed, field by field, secrets masked (config-diff.ts).
import { recordAudit } from "../audit/record-audit.ts";
import { ZStoredSource, type TChannelConfig } from "../channel-config/stored.ts";
import { decryptSecret } from "../crypto/secrets.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { profileConflict } from "../scim/profiles.ts";
import { diffChannelConfig } from "./config-diff.ts";

export type TApplyResult = {
  id: number;
  name: string;
  created: boolean;
  /** what was saved but could not be checked (the target's schemas unreachable: check-target-schema.ts) */
  warnings?: string[];
};

type TExistingRow = {
  id: number;
  name: string;
  connectionId: string;
  active: boolean;
  connectionActive: boolean;
  syncFrequencySec: number;
  source: unknown;
  target: unknown;
  mapping: unknown;
  options: unknown;
};

export async function storeChannelConfig(options: { cfg: TChannelConfig; existing: TExistingRow | null; actor: string; via: string }): Promise<TApplyResult> {
  const { cfg, existing } = options;
  // a setting the target's profile refuses (Slack cannot delete users) is refused here, for files and edits alike
  const conflict = profileConflict(cfg.target, cfg.options.removeUserAction);
  if (conflict) throw new AppError("INVALID_CONFIG", conflict);
  const db = await getDb();
  const data = channelRowData(cfg);
  if (!existing) {
    const created = await db.channel.create({ data });
    await recordAudit({ actor: options.actor, via: options.via, channelId: created.id, action: "channel.create" });
    return { id: created.id, name: cfg.name, created: true };
  }
  const { scopeChanged, rulesChanged, resets } = markerResets(existing, cfg);
  if (existing.name !== cfg.name) {
    await recordAudit({ actor: options.actor, via: options.via, channelId: existing.id, action: "channel.rename", details: { from: existing.name, to: cfg.name } });
  }
  await db.channel.update({
    where: { id: existing.id },
    data: {
      ...data,
      ...resets,
      // a size the target refused is learned for a target and a size: another one starts afresh
      ...(sizeSettingsChanged(existing.target, cfg.target) ? { membersPerPatchLearned: null } : {}),
    },
  });
  // compared as stored: what the row held and what was just written
  const diff = diffChannelConfig(
    {
      name: existing.name,
      connectionId: existing.connectionId,
      active: existing.active,
      connectionActive: existing.connectionActive,
      syncFrequencySec: existing.syncFrequencySec,
      source: existing.source,
      target: existing.target,
      mapping: existing.mapping,
      options: existing.options,
    },
    data,
    { sameSecret },
  );
  await recordAudit({
    actor: options.actor,
    via: options.via,
    channelId: existing.id,
    action: "channel.update",
    details: { scopeChanged, rulesChanged, changes: diff.changes, ...(diff.truncated ? { truncated: true } : {}) },
  });
  return { id: existing.id, name: cfg.name, created: false };
}

/** The channel row's columns for a resolved channel (a plan of a new channel inserts the same). */
export function channelRowData(cfg: TChannelConfig) {
  return {
    name: cfg.name,
    connectionId: cfg.connectionId,
    active: cfg.active,
    connectionActive: cfg.connectionActive,
    syncFrequencySec: cfg.syncFrequencySec,
    source: cfg.source,
    target: cfg.target,
    mapping: cfg.mapping,
    options: cfg.options,
  };
}

/**
 * What an update of a channel's configuration resets, so that the next cycle sees the
 * change: a new scope is read in full (group timestamp and last full read cleared), new
 * mapping or options have every user looked at again (attribute-sync timestamp "1"). The
 * save writes these; a plan of an edit (preview-channel-edit.ts) plans with them.
 */
export function markerResets(
  existing: { source: unknown; mapping: unknown; options: unknown },
  cfg: Pick<TChannelConfig, "source" | "mapping" | "options">,
): { scopeChanged: boolean; rulesChanged: boolean; resets: { groupTimestamp?: null; lastFullSyncAt?: null; attributeSyncTimestamp?: "1" } } {
  // a stored source that does not read back counts as a new scope
  const read = ZStoredSource.safeParse(existing.source);
  const prev = read.success ? read.data : undefined;
  const scopeChanged = prev?.baseDn !== cfg.source.baseDn || prev?.groupDn !== cfg.source.groupDn || prev?.filter !== cfg.source.filter;
  // new mapping or options change what every user should look like at the target
  const rulesChanged = !sameJson(existing.mapping, cfg.mapping) || !sameJson(existing.options, cfg.options);
  return {
    scopeChanged,
    rulesChanged,
    resets: { ...(scopeChanged ? { groupTimestamp: null, lastFullSyncAt: null } : {}), ...(rulesChanged ? { attributeSyncTimestamp: "1" as const } : {}) },
  };
}

function sizeSettingsChanged(before: unknown, after: TChannelConfig["target"]): boolean {
  const b = (before ?? {}) as { url?: unknown; profile?: unknown; membersPerPatch?: unknown };
  return b.url !== after.url || b.profile !== after.profile || b.membersPerPatch !== after.membersPerPatch;
}

/** Whether two stored secrets hold the same value (each encryption has its own IV). */
function sameSecret(a: string, b: string): boolean {
  try {
    return decryptSecret(a) === decryptSecret(b);
  } catch {
    // one that cannot be decrypted (a key changed): report it as changed
    return false;
  }
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(canonical(a)) === JSON.stringify(canonical(b));
}

function canonical(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(canonical);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v as object).sort().map((k) => [k, canonical((v as Record<string, unknown>)[k])]));
  }
  return v;
}
