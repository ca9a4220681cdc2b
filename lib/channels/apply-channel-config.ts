// Create or update a channel from a channel file (YAML or JSON) or an equivalent
// object: the demo, the tests and `npm run channel -- apply` go through here. A file
// updates the channel of its name; a stored (encrypted) secret in it, kept by hand, is
// taken only if it is that channel's own and only for the hosts it was stored for
// (lib/channel-config/secret-hosts.ts).
import { readFileSync } from "node:fs";
import YAML from "yaml";
import { resolveChannel, validateChannelFile } from "../channel-config/resolve.ts";
import { readStoredParts } from "../channel-config/stored.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { checkTargetSchema } from "./check-target-schema.ts";
import { storeChannelConfig, type TApplyResult } from "./store-channel-config.ts";

export type { TApplyResult };

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
  const file = validateChannelFile(options.config);
  const db = await getDb();
  const existing = await db.channel.findUnique({ where: { name: file.name } });
  const cfg = resolveChannel(file, existing ? readStoredParts(existing) : null);
  // as the console's save: a mapping the target's schemas refuse is refused, an unreachable target only warns
  const warnings = await checkTargetSchema(cfg);
  return { ...(await storeChannelConfig({ cfg, existing, actor: options.actor, via: options.via })), warnings };
}
