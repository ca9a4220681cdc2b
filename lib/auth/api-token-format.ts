// API tokens as credentials (their format and hash); creating, listing and revoking them is lib/api-tokens.
import { createHash, randomBytes } from "node:crypto";

/** fry_<8 id chars>_<43 secret chars>: recognisable in logs and secret scanners, 256 random bits. */
export const TOKEN_PATTERN = /^fry_[A-Za-z0-9_-]{8}_[A-Za-z0-9_-]{43}$/;

export function newApiToken(): { token: string; prefix: string; hash: string } {
  const id = randomBytes(6).toString("base64url");
  const token = `fry_${id}_${randomBytes(32).toString("base64url")}`;
  return { token, prefix: `fry_${id}`, hash: hashApiToken(token) };
}

/** Tokens are 256-bit random, so a plain SHA-256 is enough to store them (no slow hash needed). */
export function hashApiToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
