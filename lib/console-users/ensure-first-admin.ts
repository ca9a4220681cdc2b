// On the console's first start, when no console user exists, the first admin is created:
// FERRY_ADMIN_USERNAME (default "admin") with FERRY_ADMIN_PASSWORD, or with a generated
// password that is returned here to be printed once, and must be changed on first sign-in.
// An advisory lock makes two consoles starting together create one admin, not two.
import { getDb } from "../db/index.ts";
import { getAuthEnv } from "../auth/auth-env.ts";
import { generatePassword, hashPassword } from "../auth/password.ts";
import { recordAudit } from "../audit/record-audit.ts";

const LOCK_KEY = 727_274_002;

export type TFirstAdmin = { created: false } | { created: true; username: string; generatedPassword: string | null };

export async function ensureFirstAdmin(): Promise<TFirstAdmin> {
  const env = getAuthEnv();
  const db = await getDb();
  return db.$transaction(async (tx) => {
    await tx.$executeRawUnsafe("SELECT pg_advisory_xact_lock($1)", LOCK_KEY);
    if ((await tx.consoleUser.count()) > 0) return { created: false } as const;
    const username = env.FERRY_ADMIN_USERNAME.trim().toLowerCase();
    const generated = env.FERRY_ADMIN_PASSWORD ? null : generatePassword();
    await tx.consoleUser.create({
      data: {
        username,
        displayName: "Administrator",
        role: "ADMIN",
        passwordHash: await hashPassword(env.FERRY_ADMIN_PASSWORD ?? generated!),
        mustChangePassword: generated !== null,
        createdBy: "first start",
      },
    });
    await recordAudit({ actor: "system", via: "console", action: "console-user.create-first-admin", details: { username, passwordFrom: generated ? "generated" : "FERRY_ADMIN_PASSWORD" } });
    return { created: true, username, generatedPassword: generated } as const;
  });
}
