// A signed-in user changes their own password, giving the current one. Their other
// sessions end; the one they are using stays.
import { recordAudit } from "../audit/record-audit.ts";
import { assertPasswordStrength, hashPassword, verifyPassword } from "../auth/password.ts";
import type { TActor } from "../channels/actor.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";

export async function changeOwnPassword(
  options: { userId: number; currentSessionIdHash: string; currentPassword: string; newPassword: string } & TActor,
): Promise<void> {
  const db = await getDb();
  const user = await db.consoleUser.findUnique({ where: { id: options.userId } });
  if (!user) throw new AppError("NOT_FOUND", "your console user no longer exists");
  if (!(await verifyPassword(options.currentPassword, user.passwordHash))) throw new AppError("INVALID_ARGUMENT", "the current password is wrong");
  if (options.currentPassword === options.newPassword) throw new AppError("INVALID_ARGUMENT", "choose a password different from the current one");
  assertPasswordStrength(options.newPassword, user.username);
  await db.$transaction([
    db.consoleUser.update({
      where: { id: user.id },
      data: { passwordHash: await hashPassword(options.newPassword), mustChangePassword: false, passwordChangedAt: new Date() },
    }),
    db.consoleSession.updateMany({
      where: { userId: user.id, revokedAt: null, idHash: { not: options.currentSessionIdHash } },
      data: { revokedAt: new Date() },
    }),
  ]);
  await recordAudit({ actor: options.actor, via: options.via, action: "console-user.change-password", details: { userId: user.id, username: user.username } });
}
