// Secrets (bind passwords, SCIM tokens, OAuth client secrets) are stored encrypted with
// AES-256-GCM. The key comes from FERRY_SECRET_KEY or, failing that, a key file created
// once in the data directory (mode 0600) and shared by console, worker and CLI. The
// kinds of secret value (stored, typed) are types of their own: secret-types.ts.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { ENCRYPTED_PREFIX, isEncrypted, type TEncryptedSecret } from "./secret-types.ts";

export { isEncrypted };

let key: Buffer | undefined;

function loadKey(): Buffer {
  if (key) return key;
  const env = getEnv();
  let raw = env.FERRY_SECRET_KEY;
  if (!raw) {
    const file = path.join(env.dataDir, "secret.key");
    if (!existsSync(file)) {
      mkdirSync(env.dataDir, { recursive: true });
      writeFileSync(file, randomBytes(32).toString("base64") + "\n", { mode: 0o600, flag: "wx" });
    }
    raw = readFileSync(file, "utf8").trim();
  }
  const buf = Buffer.from(raw, "base64");
  if (buf.length !== 32) throw new AppError("INVALID_CONFIG", "FERRY_SECRET_KEY must be 32 bytes, base64-encoded");
  key = buf;
  return key;
}

/**
 * Encrypts a secret's value. A value that is already a stored secret is refused, not let
 * through: whoever holds one decides whether it may be kept (lib/channel-config/secret-hosts.ts).
 */
export function encryptSecret(plain: string): TEncryptedSecret {
  if (isEncrypted(plain)) throw new AppError("INTERNAL", "refusing to encrypt a value that is already a stored (encrypted) secret");
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", loadKey(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return (ENCRYPTED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64")) as TEncryptedSecret;
}

/**
 * A secret's value, to send: a stored secret (TEncryptedSecret) decrypted; a value given
 * for a connection test (TPlainSecret, which never looks stored) as it is.
 */
export function decryptSecret(stored: string): string {
  if (!isEncrypted(stored)) return stored;
  const buf = Buffer.from(stored.slice(ENCRYPTED_PREFIX.length), "base64");
  const decipher = createDecipheriv("aes-256-gcm", loadKey(), buf.subarray(0, 12));
  decipher.setAuthTag(buf.subarray(12, 28));
  try {
    return Buffer.concat([decipher.update(buf.subarray(28)), decipher.final()]).toString("utf8");
  } catch {
    throw new AppError("INVALID_CONFIG", "a stored secret cannot be decrypted: the secret key changed since it was saved");
  }
}

/** What a console, API, CLI or log line may show of a secret: never more than its last 2 characters. */
export function maskSecret(value: string | undefined | null): string {
  if (!value) return "";
  const plain = isEncrypted(value) ? "" : value;
  return plain.length > 8 ? `********${plain.slice(-2)}` : "********";
}
