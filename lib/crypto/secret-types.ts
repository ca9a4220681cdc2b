// The two kinds of secret value Ferry holds, kept apart by the compiler: a secret as
// stored (`enc:v1:` + AES-256-GCM, made only by encryptSecret or read back through
// ZEncryptedSecret) and a secret's value as someone typed it (never one that looks
// stored: such a string is refused where it comes in, so the prefix alone tells the two
// apart at run time). Browser-safe (zod only): the channel schemas the console's form
// uses are built on these; the cipher itself is in secrets.ts.
import { z } from "zod";

export const ENCRYPTED_PREFIX = "enc:v1:";

export const ZEncryptedSecret = z.string().startsWith(ENCRYPTED_PREFIX, "must be a stored (enc:v1:) secret").brand<"EncryptedSecret">();
export type TEncryptedSecret = z.output<typeof ZEncryptedSecret>;

export function isEncrypted(value: string): value is TEncryptedSecret {
  return value.startsWith(ENCRYPTED_PREFIX);
}

export const ZPlainSecret = z
  .string()
  .min(1)
  .refine((v) => !isEncrypted(v), "give the secret's value, not a stored (encrypted) one")
  .brand<"PlainSecret">();
export type TPlainSecret = z.output<typeof ZPlainSecret>;

/** What a connection is opened with: a stored secret, decrypted when it is used, or a value given for a connection test. */
export type TSecret = TEncryptedSecret | TPlainSecret;
