// Secrets (bind passwords, SCIM tokens, OAuth client secrets) are stored encrypted with
// AES-256-GCM. The key comes from FERRY_SECRET_KEY or, failing that, a key file created
// once in the data directory (mode 0600) and shared by console, worker and CLI.
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { getEnv } from "../env.ts";
import { AppError } from "../errors.ts";

const PREFIX = "enc:v1:";
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

export function isEncrypted(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function encryptSecret(plain: string): string {
  if (isEncrypted(plain)) return plain;
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", loadKey(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString("base64");
}

export function decryptSecret(stored: string): string {
  if (!isEncrypted(stored)) return stored;
  const buf = Buffer.from(stored.slice(PREFIX.length), "base64");
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
