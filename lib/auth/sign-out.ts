// Ends a console session for good: the cookie may still exist in a browser, but its
// session row is revoked and resolveSession no longer accepts it.
import { getDb } from "../db/index.ts";
import { hashSessionId } from "./session-id.ts";

export async function signOut(options: { sessionId: string }): Promise<void> {
  const db = await getDb();
  await db.consoleSession.updateMany({ where: { idHash: hashSessionId(options.sessionId), revokedAt: null }, data: { revokedAt: new Date() } });
}
