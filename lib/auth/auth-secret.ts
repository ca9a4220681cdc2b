// The key that signs and encrypts session cookies and derives CSRF tokens:
// NEXTAUTH_SECRET, or a random key created once in the data directory (mode 0600) so a
// restarted console keeps everyone signed in and several consoles on one data
// directory agree.
import { createHmac, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getEnv } from "../env.ts";
import { getAuthEnv } from "./auth-env.ts";

let secret: string | undefined;

export function getAuthSecret(): string {
  if (secret) return secret;
  const fromEnv = getAuthEnv().NEXTAUTH_SECRET;
  if (fromEnv) {
    secret = fromEnv;
    return secret;
  }
  const file = path.join(getEnv().dataDir, "auth.secret");
  if (!existsSync(file)) {
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, randomBytes(32).toString("base64url") + "\n", { mode: 0o600, flag: "wx" });
    } catch (err) {
      // another console created it first: use theirs
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  secret = readFileSync(file, "utf8").trim();
  return secret;
}

/** A key for one purpose, so the cookie key is never used directly for anything else. */
export function deriveKey(purpose: string): Buffer {
  return createHmac("sha256", getAuthSecret()).update(`ferry:${purpose}`).digest();
}

export function resetAuthSecretCache(): void {
  secret = undefined;
}
