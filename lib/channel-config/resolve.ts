// Turns a validated channel file into the stored form: secrets read (env/file) and
// encrypted, directory-type defaults filled in. And back: stored JSON re-validated
// into typed config when a cycle or a command loads a channel.
import { readFileSync } from "node:fs";
import { z } from "zod";
import { encryptSecret } from "../crypto/secrets.ts";
import { AppError, formatZodError } from "../errors.ts";
import {
  DIRECTORY_DEFAULTS,
  ZMapping,
  ZMappingValue,
  ZOptions,
  type TAuth,
  type TMapping,
  type TMappingValue,
  type TOptions,
  type TSource,
  type TTarget,
  ZChannelFile,
  ZSecretInput,
} from "./config.ts";

export type TChannelConfig = {
  name: string;
  connectionId: string;
  active: boolean;
  connectionActive: boolean;
  syncFrequencySec: number;
  source: TSource;
  target: TTarget;
  mapping: { user: TMapping; group: { displayName: TMappingValue } };
  options: TOptions;
};

function resolveSecret(v: z.infer<typeof ZSecretInput>, where: string): string {
  if (typeof v === "string") return encryptSecret(v);
  if ("env" in v) {
    const val = process.env[v.env];
    if (!val) throw new AppError("INVALID_CONFIG", `${where}: environment variable ${v.env} is not set`);
    return encryptSecret(val);
  }
  try {
    return encryptSecret(readFileSync(v.file, "utf8").trim());
  } catch (err) {
    throw new AppError("INVALID_CONFIG", `${where}: cannot read ${v.file}: ${(err as Error).message}`);
  }
}

export function parseChannelFile(input: unknown): TChannelConfig {
  const parsed = ZChannelFile.safeParse(input);
  if (!parsed.success) throw new AppError("INVALID_CONFIG", `invalid channel configuration:\n${formatZodError(parsed.error)}`);
  const f = parsed.data;
  const d = DIRECTORY_DEFAULTS[f.source.directoryType];
  const source: TSource = {
    ...f.source,
    bindPassword: resolveSecret(f.source.bindPassword, "source.bindPassword"),
    guidAttribute: f.source.guidAttribute ?? d.guid,
    timestampAttribute: f.source.timestampAttribute ?? d.timestamp,
    groupChangeAttribute: f.source.groupChangeAttribute ?? (f.source.timestampAttribute ? f.source.timestampAttribute : d.groupChange),
    userObjectFilter: f.source.userObjectFilter ?? d.userObjectFilter,
    nestedGroups: f.source.nestedGroups ?? f.source.directoryType === "active-directory",
    disabled: f.source.disabled ?? d.disabled,
  };
  const a = f.target.auth;
  const auth: TAuth =
    a.type === "bearer"
      ? { type: "bearer", token: resolveSecret(a.token, "target.auth.token") }
      : a.type === "basic"
        ? { type: "basic", username: a.username, password: resolveSecret(a.password, "target.auth.password") }
        : { ...a, clientSecret: resolveSecret(a.clientSecret, "target.auth.clientSecret") };
  return {
    name: f.name,
    connectionId: f.connectionId,
    active: f.active,
    connectionActive: f.connectionActive,
    syncFrequencySec: f.syncFrequencySec,
    source,
    target: { ...f.target, auth },
    mapping: { user: f.mapping ?? d.mapping, group: f.groupMapping ?? { displayName: f.source.groupNameAttribute } },
    options: f.options,
  };
}

const ZStoredMapping = z.object({ user: ZMapping, group: z.object({ displayName: ZMappingValue }) });

/** Re-validates what the store holds; a hand-edited or corrupt row is reported, not trusted. */
export function readStoredChannel(row: {
  id: number;
  name: string;
  source: unknown;
  target: unknown;
  mapping: unknown;
  options: unknown;
}): Pick<TChannelConfig, "source" | "target" | "mapping" | "options"> {
  const mapping = ZStoredMapping.safeParse(row.mapping);
  const options = ZOptions.safeParse(row.options);
  if (!mapping.success || !options.success) {
    const err = !mapping.success ? formatZodError(mapping.error, "mapping") : formatZodError((options as { error: z.ZodError }).error, "options");
    throw new AppError("INVALID_CONFIG", `channel ${row.id} (${row.name}) has an invalid stored configuration:\n${err}`);
  }
  return { source: row.source as TSource, target: row.target as TTarget, mapping: mapping.data, options: options.data };
}
