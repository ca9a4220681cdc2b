// The console's own settings, validated once. They live beside lib/env.ts (shared by
// console, worker and provmgr) because only the console signs people in.
import { z } from "zod";
import { AppError, formatZodError } from "../errors.ts";

const ZAuthEnv = z.object({
  /** signs and encrypts the session cookie; when unset a key file is created in the data directory */
  NEXTAUTH_SECRET: z.string().min(32, "NEXTAUTH_SECRET must have at least 32 characters").optional(),
  /** the console's public URL; https:// makes every cookie Secure and __Secure-/__Host- prefixed */
  NEXTAUTH_URL: z.string().url().optional(),
  /** the first admin, created on first start when there is no console user yet */
  FERRY_ADMIN_USERNAME: z.string().min(1).max(100).default("admin"),
  /** when unset on first start, a password is generated and printed once */
  FERRY_ADMIN_PASSWORD: z.string().min(1).optional(),
  /** hours a sign-in lasts */
  FERRY_SESSION_HOURS: z.coerce.number().positive().max(24 * 30).default(12),
  /** failed sign-ins per user name within the window before it is locked for the window */
  FERRY_LOGIN_MAX_FAILURES: z.coerce.number().int().min(1).default(5),
  /** failed sign-ins from one address within the window (all user names) */
  FERRY_LOGIN_MAX_FAILURES_PER_IP: z.coerce.number().int().min(1).default(20),
  FERRY_LOGIN_WINDOW_MIN: z.coerce.number().positive().default(15),
});

export type TAuthEnv = z.infer<typeof ZAuthEnv>;
let cached: TAuthEnv | undefined;

export function getAuthEnv(): TAuthEnv {
  if (cached) return cached;
  const parsed = ZAuthEnv.safeParse(process.env);
  if (!parsed.success) throw new AppError("INVALID_CONFIG", `bad console environment:\n${formatZodError(parsed.error)}`);
  cached = parsed.data;
  return cached;
}

export function resetAuthEnvCache(): void {
  cached = undefined;
}

/** Cookies are Secure when the console is served over https (as next-auth decides). */
export function useSecureCookies(): boolean {
  return (getAuthEnv().NEXTAUTH_URL ?? "").startsWith("https://");
}
