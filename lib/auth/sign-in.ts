// Checks a user name and password and opens a console session. Rate limited per user
// name (FERRY_LOGIN_MAX_FAILURES failures in FERRY_LOGIN_WINDOW_MIN minutes lock the
// name for the window) and per address, counted in login_attempt, so the limit holds
// across restarts and across several consoles. Unknown names and locked ones cost as
// much time as known ones (one scrypt each), and unknown names get the same answer.
// Every outcome is in the audit log (actor: the name given, via console): `sign-in`,
// `sign-in.failed` (why: wrong, disabled, locked) and `sign-in.lockout` when a failure
// is the one that locks the name or the address.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { getAuthEnv } from "./auth-env.ts";
import { decoyHash, verifyPassword } from "./password.ts";
import { hashSessionId, newSessionId } from "./session-id.ts";

export type TSignInResult = { sessionId: string; user: { id: number; username: string; displayName: string } };

const WRONG = "wrong user name or password";

export async function signIn(options: { username: string; password: string; ip?: string | null; userAgent?: string | null }): Promise<TSignInResult> {
  const env = getAuthEnv();
  const username = options.username.trim().toLowerCase();
  // no name or password holds a NUL (PostgreSQL text cannot): the answer of a wrong one
  if (!username || !options.password || username.includes("\0") || options.password.includes("\0")) throw new AppError("UNAUTHORIZED", WRONG);
  const db = await getDb();
  const ip = options.ip?.slice(0, 100) ?? null;
  const since = new Date(Date.now() - env.FERRY_LOGIN_WINDOW_MIN * 60_000);

  // failures since the window opened and since the name's last successful sign-in
  const [counts] = await db.$queryRawUnsafe<Array<{ by_name: bigint; by_ip: bigint }>>(
    `SELECT
       (SELECT count(*) FROM login_attempt a WHERE a.username = $1 AND NOT a.success AND a.at > $2
          AND a.at > coalesce((SELECT max(at) FROM login_attempt s WHERE s.username = $1 AND s.success), 'epoch')) AS by_name,
       (SELECT count(*) FROM login_attempt a WHERE $3::text IS NOT NULL AND a.ip = $3 AND NOT a.success AND a.at > $2) AS by_ip`,
    username,
    since,
    ip,
  );
  const byName = Number(counts?.by_name ?? 0);
  const byIp = Number(counts?.by_ip ?? 0);
  const locked = byName >= env.FERRY_LOGIN_MAX_FAILURES || byIp >= env.FERRY_LOGIN_MAX_FAILURES_PER_IP;
  const audit = (action: string, details: Record<string, unknown>) =>
    recordAudit({ actor: username.slice(0, 100), via: "console", action, details: { ip, ...details } });
  /** a failure (not while locked): recorded, and if it is the one that reaches a limit, the lockout too */
  const failed = async (reason: "wrong" | "disabled") => {
    await db.loginAttempt.create({ data: { username, ip, success: false } });
    await audit("sign-in.failed", { reason });
    const lockName = byName + 1 >= env.FERRY_LOGIN_MAX_FAILURES;
    const lockIp = ip !== null && byIp + 1 >= env.FERRY_LOGIN_MAX_FAILURES_PER_IP;
    if (lockName || lockIp) {
      await audit("sign-in.lockout", {
        locked: lockName && lockIp ? "name and address" : lockName ? "name" : "address",
        failures: lockName ? byName + 1 : byIp + 1,
        windowMin: env.FERRY_LOGIN_WINDOW_MIN,
      });
    }
  };

  // the password is checked before the lock is: a locked attempt costs the same scrypt as
  // any other, so how long the answer takes does not tell that the name is locked
  const user = await db.consoleUser.findUnique({ where: { username } });
  const ok = await verifyPassword(options.password, user?.passwordHash ?? (await decoyHash()));
  if (locked) {
    await db.loginAttempt.create({ data: { username, ip, success: false } });
    await audit("sign-in.failed", { reason: "locked" });
    throw new AppError("FORBIDDEN", `too many failed sign-ins: try again in ${env.FERRY_LOGIN_WINDOW_MIN} minutes`, {
      retryAfterSec: env.FERRY_LOGIN_WINDOW_MIN * 60,
    });
  }
  if (!user || !ok) {
    await failed("wrong");
    throw new AppError("UNAUTHORIZED", WRONG);
  }
  if (user.disabled) {
    await failed("disabled");
    throw new AppError("FORBIDDEN", "this console user is disabled: ask an admin");
  }

  const sessionId = newSessionId();
  await db.$transaction([
    db.loginAttempt.create({ data: { username, ip, success: true } }),
    db.consoleSession.create({
      data: {
        idHash: hashSessionId(sessionId),
        userId: user.id,
        expiresAt: new Date(Date.now() + env.FERRY_SESSION_HOURS * 3_600_000),
        ip,
        userAgent: options.userAgent?.slice(0, 300) ?? null,
      },
    }),
    db.consoleUser.update({ where: { id: user.id }, data: { lastLoginAt: new Date() } }),
    // old attempts are only needed for the window
    db.loginAttempt.deleteMany({ where: { at: { lt: new Date(Date.now() - 7 * 86_400_000) } } }),
  ]);
  await audit("sign-in", { userId: user.id });
  return { sessionId, user: { id: user.id, username: user.username, displayName: user.displayName } };
}
