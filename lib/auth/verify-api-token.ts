// A bearer token from an API request to the token behind it, or null when it is unknown,
// revoked or expired.
import { getDb } from "../db/index.ts";
import { roleFromDb } from "./roles.ts";
import type { TViewer } from "./viewer.ts";
import { hashApiToken, TOKEN_PATTERN } from "./api-token-format.ts";

export async function verifyApiToken(options: { token: string }): Promise<Extract<TViewer, { kind: "token" }> | null> {
  if (!TOKEN_PATTERN.test(options.token)) return null;
  const db = await getDb();
  const row = await db.apiToken.findUnique({ where: { tokenHash: hashApiToken(options.token) } });
  if (!row || row.revokedAt || (row.expiresAt && row.expiresAt.getTime() <= Date.now())) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) {
    await db.apiToken.update({ where: { id: row.id }, data: { lastUsedAt: new Date() } }).catch(() => undefined);
  }
  return { kind: "token", tokenId: row.id, name: row.name, role: roleFromDb(row.role) };
}
