// Console passwords are hashed with scrypt (node:crypto, memory-hard) and a random salt;
// the stored form carries its parameters so they can be raised later without breaking
// existing hashes: scrypt$N$r$p$salt$hash (base64url).
import { randomBytes, randomInt, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { AppError } from "../errors.ts";

const PARAMS = { N: 1 << 15, r: 8, p: 1 } as const;
const KEYLEN = 32;

export const PASSWORD_MIN_LENGTH = 10;

function derive(password: string, salt: Buffer, o: { N: number; r: number; p: number }): Promise<Buffer> {
  const opts: ScryptOptions = { N: o.N, r: o.r, p: o.p, maxmem: 128 * o.N * o.r * 2 };
  return new Promise((resolve, reject) => scrypt(password.normalize("NFKC"), salt, KEYLEN, opts, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, PARAMS);
  return `scrypt$${PARAMS.N}$${PARAMS.r}$${PARAMS.p}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64url");
  const key = await derive(password, Buffer.from(salt, "base64url"), { N: Number(n), r: Number(r), p: Number(p) });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

/** A stored hash for no one: unknown user names are checked against it, so they take as long as real ones. */
let decoy: Promise<string> | undefined;
export function decoyHash(): Promise<string> {
  decoy ??= hashPassword(randomBytes(16).toString("hex"));
  return decoy;
}

export function assertPasswordStrength(password: string, username?: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw new AppError("INVALID_ARGUMENT", `the password must have at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (password.length > 200) throw new AppError("INVALID_ARGUMENT", "the password is too long (200 characters at most)");
  if (username && password.toLowerCase().includes(username.toLowerCase())) {
    throw new AppError("INVALID_ARGUMENT", "the password must not contain the user name");
  }
}

/** A readable random password: 20 characters from an unambiguous alphabet (~115 bits). */
export function generatePassword(): string {
  const alphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  let out = "";
  for (let i = 0; i < 20; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}
