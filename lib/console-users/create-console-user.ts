import { recordAudit } from "../audit/record-audit.ts";
import { assertPasswordStrength, hashPassword } from "../auth/password.ts";
import { roleToDb, type TRole } from "../auth/roles.ts";
import type { TActor } from "../channels/actor.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { toConsoleUserView, ZUSERNAME, type TConsoleUserView } from "./view.ts";

export async function createConsoleUser(
  options: { username: string; displayName: string; role: TRole; password: string } & TActor,
): Promise<TConsoleUserView> {
  const username = options.username.trim().toLowerCase();
  if (!ZUSERNAME.test(username)) {
    throw new AppError("INVALID_ARGUMENT", "the user name must be 2-100 characters: letters, digits and . _ @ -");
  }
  assertPasswordStrength(options.password, username);
  const db = await getDb();
  if (await db.consoleUser.findUnique({ where: { username } })) throw new AppError("CONFLICT", `a console user named ${username} already exists`);
  const row = await db.consoleUser.create({
    data: {
      username,
      displayName: options.displayName.trim() || username,
      role: roleToDb(options.role),
      passwordHash: await hashPassword(options.password),
      // the admin chose this password: the user picks their own on first sign-in
      mustChangePassword: true,
      createdBy: options.actor,
    },
  });
  await recordAudit({ actor: options.actor, via: options.via, action: "console-user.create", details: { userId: row.id, username, role: options.role } });
  return toConsoleUserView(row);
}
