import { recordAudit } from "../audit/record-audit.ts";
import type { TActor } from "../channels/actor.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";

export async function revokeApiToken(options: { tokenId: number } & TActor): Promise<{ id: number; name: string }> {
  const db = await getDb();
  const row = await db.apiToken.findUnique({ where: { id: options.tokenId } });
  if (!row) throw new AppError("NOT_FOUND", `API token ${options.tokenId} does not exist`);
  if (!row.revokedAt) {
    await db.apiToken.update({ where: { id: row.id }, data: { revokedAt: new Date(), revokedBy: options.actor } });
    await recordAudit({ actor: options.actor, via: options.via, action: "api-token.revoke", details: { tokenId: row.id, name: row.name, prefix: row.prefix } });
  }
  return { id: row.id, name: row.name };
}
