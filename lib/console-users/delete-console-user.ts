import { recordAudit } from "../audit/record-audit.ts";
import type { TActor } from "../channels/actor.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";

export async function deleteConsoleUser(options: { userId: number } & TActor): Promise<{ username: string }> {
  const db = await getDb();
  const user = await db.consoleUser.findUnique({ where: { id: options.userId } });
  if (!user) throw new AppError("NOT_FOUND", `console user ${options.userId} does not exist`);
  if (user.username === options.actor) throw new AppError("CONFLICT", "you cannot delete yourself: ask another admin");
  if (user.role === "ADMIN" && !user.disabled && (await db.consoleUser.count({ where: { role: "ADMIN", disabled: false } })) <= 1) {
    throw new AppError("CONFLICT", "this is the last active admin: make another user admin first");
  }
  await db.consoleUser.delete({ where: { id: user.id } });
  await recordAudit({ actor: options.actor, via: options.via, action: "console-user.delete", details: { userId: user.id, username: user.username } });
  return { username: user.username };
}
