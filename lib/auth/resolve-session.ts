// A session id from a signed cookie to the console user behind it, or null when the
// session was signed out, revoked, has expired or its user is disabled.
import { getDb } from "../db/index.ts";
import { roleFromDb } from "./roles.ts";
import { hashSessionId } from "./session-id.ts";
import type { TViewer } from "./viewer.ts";

export async function resolveSession(sessionId: string): Promise<Extract<TViewer, { kind: "user" }> | null> {
  const db = await getDb();
  const idHash = hashSessionId(sessionId);
  const s = await db.consoleSession.findUnique({ where: { idHash }, include: { user: true } });
  if (!s || s.revokedAt || s.expiresAt.getTime() <= Date.now() || s.user.disabled) return null;
  if (Date.now() - s.lastSeenAt.getTime() > 60_000) {
    await db.consoleSession.update({ where: { idHash }, data: { lastSeenAt: new Date() } }).catch(() => undefined);
  }
  return {
    kind: "user",
    userId: s.user.id,
    username: s.user.username,
    displayName: s.user.displayName,
    role: roleFromDb(s.user.role),
    mustChangePassword: s.user.mustChangePassword,
    sessionIdHash: idHash,
  };
}
