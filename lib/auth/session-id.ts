import { createHash, randomBytes } from "node:crypto";

/** A new session id (256 bits); only its hash is stored. */
export function newSessionId(): string {
  return randomBytes(32).toString("base64url");
}

export function hashSessionId(sid: string): string {
  return createHash("sha256").update(sid).digest("hex");
}
