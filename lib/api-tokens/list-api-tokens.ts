import { getDb } from "../db/index.ts";
import { roleFromDb, type TRole } from "../auth/roles.ts";

export type TApiTokenView = {
  id: number;
  name: string;
  /** the token's first characters; the token itself is never shown again */
  prefix: string;
  role: TRole;
  createdBy: string;
  createdAt: Date;
  expiresAt: Date | null;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  status: "active" | "expired" | "revoked";
};

export async function listApiTokens(): Promise<TApiTokenView[]> {
  const db = await getDb();
  const rows = await db.apiToken.findMany({ orderBy: { id: "desc" } });
  const now = Date.now();
  return rows.map((r) => ({
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    role: roleFromDb(r.role),
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    expiresAt: r.expiresAt,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
    status: r.revokedAt ? "revoked" : r.expiresAt && r.expiresAt.getTime() <= now ? "expired" : "active",
  }));
}
