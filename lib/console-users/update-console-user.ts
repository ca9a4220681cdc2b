// An admin changes a console user's role, name or disabled flag. The last active admin
// cannot be demoted or disabled, and nobody disables or demotes themselves (another
// admin must), so the console can never be left without an admin.
import { recordAudit } from "../audit/record-audit.ts";
import { roleToDb, type TRole } from "../auth/roles.ts";
import type { TActor } from "../channels/actor.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { toConsoleUserView, type TConsoleUserView } from "./view.ts";

export async function updateConsoleUser(
  options: { userId: number; role?: TRole; displayName?: string; disabled?: boolean } & TActor,
): Promise<TConsoleUserView> {
  const db = await getDb();
  const user = await db.consoleUser.findUnique({ where: { id: options.userId } });
  if (!user) throw new AppError("NOT_FOUND", `console user ${options.userId} does not exist`);
  const losesAdmin = user.role === "ADMIN" && !user.disabled && ((options.role && options.role !== "admin") || options.disabled === true);
  if (losesAdmin) {
    if (user.username === options.actor) throw new AppError("CONFLICT", "you cannot demote or disable yourself: ask another admin");
    const admins = await db.consoleUser.count({ where: { role: "ADMIN", disabled: false } });
    if (admins <= 1) throw new AppError("CONFLICT", "this is the last active admin: make another user admin first");
  }
  const row = await db.consoleUser.update({
    where: { id: user.id },
    data: {
      ...(options.role ? { role: roleToDb(options.role) } : {}),
      ...(options.displayName !== undefined ? { displayName: options.displayName.trim() || user.username } : {}),
      ...(options.disabled !== undefined ? { disabled: options.disabled } : {}),
    },
  });
  if (options.disabled === true) {
    await db.consoleSession.updateMany({ where: { userId: user.id, revokedAt: null }, data: { revokedAt: new Date() } });
  }
  const changes: Record<string, unknown> = {};
  if (options.role && roleToDb(options.role) !== user.role) changes.role = { from: user.role.toLowerCase(), to: options.role };
  if (options.disabled !== undefined && options.disabled !== user.disabled) changes.disabled = options.disabled;
  if (options.displayName !== undefined && row.displayName !== user.displayName) changes.displayName = row.displayName;
  await recordAudit({ actor: options.actor, via: options.via, action: "console-user.update", details: { userId: user.id, username: user.username, ...changes } });
  return toConsoleUserView(row);
}
