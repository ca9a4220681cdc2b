// An admin creates an API token for automation. The token is returned once, here; the
// store keeps its SHA-256 and its first characters.
import { recordAudit } from "../audit/record-audit.ts";
import type { TActor } from "../channels/actor.ts";
import { getDb } from "../db/index.ts";
import { roleToDb, type TRole } from "../auth/roles.ts";
import { newApiToken } from "../auth/api-token-format.ts";
import type { TApiTokenView } from "./list-api-tokens.ts";

export async function createApiToken(options: { name: string; role: TRole; expiresInDays?: number | null } & TActor): Promise<{ token: string; view: TApiTokenView }> {
  const db = await getDb();
  const { token, prefix, hash } = newApiToken();
  const expiresAt = options.expiresInDays ? new Date(Date.now() + options.expiresInDays * 86_400_000) : null;
  const row = await db.apiToken.create({
    data: { name: options.name.trim(), prefix, tokenHash: hash, role: roleToDb(options.role), createdBy: options.actor, expiresAt },
  });
  await recordAudit({ actor: options.actor, via: options.via, action: "api-token.create", details: { tokenId: row.id, name: row.name, role: options.role, prefix } });
  return {
    token,
    view: { id: row.id, name: row.name, prefix, role: options.role, createdBy: row.createdBy, createdAt: row.createdAt, expiresAt, lastUsedAt: null, revokedAt: null, status: "active" },
  };
}
