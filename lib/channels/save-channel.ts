// Create or edit a channel from the console or the API. The body is a channel file
// (the format of `npm run channel -- apply`), with two differences for secrets:
//  - on edit, a secret left out (or empty) keeps the stored one, so pages never need
//    to hold a secret to save a form, but only while the URL it is sent to keeps its
//    host: for a new host it must be entered again (secret-hosts.ts);
//  - secrets are given as values only: `{ env }` and `{ file }` references would let a
//    browser read the server's environment or files into a bind to a host of its choice.
// Then the same applyChannelConfig as channel files and the demo.
import { getDb } from "../db/index.ts";
import { AppError, formatZodError } from "../errors.ts";
import type { TActor } from "./actor.ts";
import { applyChannelConfig, type TApplyResult } from "./apply-channel-config.ts";
import { ZChannelFile } from "../channel-config/config.ts";
import { requireChannel } from "./require-channel.ts";
import { assertSecretsStayHome } from "./secret-hosts.ts";
import { recordAudit } from "../audit/record-audit.ts";

type TObj = Record<string, unknown>;
const isObj = (v: unknown): v is TObj => typeof v === "object" && v !== null && !Array.isArray(v);

const AUTH_SECRET: Record<string, string> = { bearer: "token", basic: "password", oauth2: "clientSecret" };

/** Copies the form's secrets into place: given values checked, missing ones kept from the stored channel. */
export function fillSecrets(config: TObj, stored: { source: unknown; target: unknown } | null): TObj {
  const out = structuredClone(config);
  const source = isObj(out.source) ? out.source : undefined;
  const auth = isObj(out.target) && isObj(out.target.auth) ? out.target.auth : undefined;
  const storedSource = stored && isObj(stored.source) ? stored.source : undefined;
  const storedAuth = stored && isObj(stored.target) && isObj(stored.target.auth) ? stored.target.auth : undefined;
  const fields: Array<[TObj | undefined, string, TObj | undefined, string]> = [[source, "bindPassword", storedSource, "source.bindPassword"]];
  const authKey = typeof auth?.type === "string" ? AUTH_SECRET[auth.type] : undefined;
  // a stored secret is kept only where it still means the same thing (same auth type)
  if (auth && authKey) fields.push([auth, authKey, storedAuth?.type === auth.type ? storedAuth : undefined, `target.auth.${authKey}`]);
  for (const [parent, key, prev, where] of fields) {
    if (!parent) continue;
    const v = parent[key];
    if (v === undefined || v === null || v === "") {
      if (prev && typeof prev[key] === "string") parent[key] = prev[key];
      else delete parent[key];
      continue;
    }
    if (typeof v !== "string") throw new AppError("INVALID_CONFIG", `${where}: give the secret's value (environment and file references are for channel files only)`);
    if (v.startsWith("enc:v1:")) throw new AppError("INVALID_CONFIG", `${where}: give the secret's value, not a stored (encrypted) one`);
  }
  return out;
}

export async function saveChannel(options: { channelId?: number; config: unknown } & TActor): Promise<TApplyResult> {
  if (!isObj(options.config)) throw new AppError("INVALID_CONFIG", "the channel configuration must be an object");
  const db = await getDb();
  const existing = options.channelId !== undefined ? await requireChannel(options.channelId) : null;
  const storedSecrets = existing ? { source: existing.source, target: existing.target } : null;
  const config = fillSecrets(options.config, storedSecrets);
  // applyChannelConfig checks this too (for channel files); here it is checked before the rename below writes anything
  assertSecretsStayHome(config, storedSecrets);

  const parsed = ZChannelFile.safeParse(config);
  if (!parsed.success) {
    throw new AppError("INVALID_CONFIG", `invalid channel configuration:\n${formatZodError(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String).join("."), message: i.message })),
    });
  }
  const name = parsed.data.name;
  const clash = await db.channel.findUnique({ where: { name }, select: { id: true } });
  if (clash && clash.id !== existing?.id) {
    throw new AppError("CONFLICT", `a channel named "${name}" already exists (#${clash.id})`, { issues: [{ path: "name", message: "this name is taken" }] });
  }
  if (existing && existing.name !== name) {
    // applyChannelConfig finds a channel by name: rename first, then apply
    await db.channel.update({ where: { id: existing.id }, data: { name } });
    await recordAudit({ actor: options.actor, via: options.via, channelId: existing.id, action: "channel.rename", details: { from: existing.name, to: name } });
  }
  return applyChannelConfig({ config, actor: options.actor, via: options.via });
}
