// Create or update a channel from a channel file (YAML or JSON) or an equivalent
// object: the demo, the tests, the console and the API all go through here, and so
// through the rule that a stored secret stays with its host (secret-hosts.ts).
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { parseChannelFile } from "../channel-config/resolve.ts";
import { assertSecretsStayHome } from "./secret-hosts.ts";

export type TApplyResult = { id: number; name: string; created: boolean };

export function readChannelFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (err) {
    throw new AppError("INVALID_ARGUMENT", `cannot read channel file ${file}: ${(err as Error).message}`);
  }
  try {
    return file.endsWith(".json") ? JSON.parse(text) : YAML.parse(text);
  } catch (err) {
    throw new AppError("INVALID_CONFIG", `${file} is not valid ${file.endsWith(".json") ? "JSON" : "YAML"}: ${(err as Error).message}`);
  }
}

export async function applyChannelConfig(options: { config: unknown; actor: string; via: string }): Promise<TApplyResult> {
  const cfg = parseChannelFile(options.config);
  const db = await getDb();
  const data = {
    connectionId: cfg.connectionId,
    active: cfg.active,
    connectionActive: cfg.connectionActive,
    syncFrequencySec: cfg.syncFrequencySec,
    source: cfg.source,
    target: cfg.target,
    mapping: cfg.mapping,
    options: cfg.options,
  };
  const existing = await db.channel.findUnique({
    where: { name: cfg.name },
    select: { id: true, source: true, target: true, mapping: true, options: true },
  });
  // a stored (encrypted) secret in the file, kept by the console's form or copied by hand,
  // may only be this channel's own and only for the hosts it was stored for
  assertSecretsStayHome(options.config, existing);
  if (existing) {
    const prev = existing.source as { baseDn?: string; groupDn?: string; filter?: string };
    const scopeChanged = prev.baseDn !== cfg.source.baseDn || prev.groupDn !== cfg.source.groupDn || prev.filter !== cfg.source.filter;
    // new mapping or options change what every user should look like at the target
    const rulesChanged = !sameJson(existing.mapping, cfg.mapping) || !sameJson(existing.options, cfg.options);
    await db.channel.update({
      where: { id: existing.id },
      data: {
        ...data,
        // a new scope must be read in full on the next cycle
        ...(scopeChanged ? { groupTimestamp: null, lastFullSyncAt: null } : {}),
        ...(rulesChanged ? { attributeSyncTimestamp: "1" } : {}),
      },
    });
    await recordAudit({
      actor: options.actor,
      via: options.via,
      channelId: existing.id,
      action: "channel.update",
      details: { scopeChanged, rulesChanged },
    });
    return { id: existing.id, name: cfg.name, created: false };
  }
  const created = await db.channel.create({ data: { name: cfg.name, ...data } });
  await recordAudit({ actor: options.actor, via: options.via, channelId: created.id, action: "channel.create" });
  return { id: created.id, name: cfg.name, created: true };
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
