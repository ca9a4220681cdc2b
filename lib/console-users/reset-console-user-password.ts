// An admin sets a new password for a console user (who must change it on next sign-in);
// every session of that user ends.
import { recordAudit } from "../audit/record-audit.ts";
import { assertPasswordStrength, hashPassword } from "../auth/password.ts";
import type { TActor } from "../channels/actor.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";

export async function resetConsoleUserPassword(options: { userId: number; password: string } & TActor): Promise<void> {
  const db = await getDb();
  const user = await db.consoleUser.findUnique({ where: { id: options.userId } });
  if (!user) throw new AppError("NOT_FOUND", `console user ${options.userId} does not exist`);
  assertPasswordStrength(options.password, user.username);
  await db.$transaction([
    db.consoleUser.update({
      where: { id: user.id },
      data: { passwordHash: await hashPassword(options.password), mustChangePassword: true, passwordChangedAt: new Date() },
    }),
    db.consoleSession.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: new Date() } }),
  ]);
  await recordAudit({ actor: options.actor, via: options.via, action: "console-user.reset-password", details: { userId: user.id, username: user.username } });
}
