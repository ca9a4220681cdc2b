// Turns a channel as given — a channel file (`npm run channel -- apply`, the demo, the
// tests) or an edit (the console and the API), each parsed once by its schema in
// config.ts — into the stored form. First every secret is resolved: a value as given,
// { env } and { file } read, and a kept one taken from the store only where
// secret-hosts.ts allows (all refusals at once, each naming its field). Then the
// directory type's defaults are filled in and new secrets encrypted. A connection test
// stops before the encryption: it connects with the value as typed.
import { readFileSync } from "node:fs";
import { isEncrypted, ZPlainSecret, type TEncryptedSecret, type TPlainSecret, type TSecret } from "../crypto/secret-types.ts";
import { encryptSecret } from "../crypto/secrets.ts";
import { AppError, formatZodError } from "../errors.ts";
import { ZChannelFile, type TChannelEdit, type TChannelFileParsed, type TMapping, type TSourceEdit, type TTargetEdit } from "./config.ts";
import { DIRECTORY_DEFAULTS, nestedGroupsFor } from "./directory-defaults.ts";
import { keepStoredSecret, type TKeepRequest, type TSecretField, type TSettingsUrls } from "./secret-hosts.ts";
import type { TAuth, TChannelConfig, TSource, TStoredParts, TStoredSource, TStoredTarget, TTarget } from "./stored.ts";

type TSettings = TChannelFileParsed | TChannelEdit;
type TSourceSettings = TSettings["source"];
type TTargetSettings = TSettings["target"];
type TAuthSettings = TTargetSettings["auth"];
/** A secret as a channel's settings give it: a value, where to read it, or the stored one. */
type TSecretRequest = TPlainSecret | { env: string } | { file: string } | TKeepRequest;

type TIssue = { path: string; message: string };

/**
 * Where kept secrets come from: the channel's stored source and target, null for a new
 * channel, or "unchecked" to read a channel file on its own (`npm run channel --
 * validate`, tests), whose stored values are then taken as they are; nothing is stored
 * from such a reading.
 */
export type TKeepFrom = TStoredParts | null | "unchecked";

function readSecret(field: TSecretField, request: { env: string } | { file: string }): TPlainSecret | TIssue {
  let value: string;
  let from: string;
  if ("env" in request) {
    const v = process.env[request.env];
    if (!v) return { path: field, message: `${field}: environment variable ${request.env} is not set` };
    value = v;
    from = `environment variable ${request.env}`;
  } else {
    try {
      value = readFileSync(request.file, "utf8").trim();
    } catch (err) {
      return { path: field, message: `${field}: cannot read ${request.file}: ${(err as Error).message}` };
    }
    from = request.file;
  }
  const plain = ZPlainSecret.safeParse(value);
  return plain.success ? plain.data : { path: field, message: `${field}: ${from} must hold the secret's value: ${plain.error.issues[0]?.message ?? "it does not"}` };
}

function resolveSecret(field: TSecretField, request: TSecretRequest, settings: TSettingsUrls, keepFrom: TKeepFrom): TSecret | TIssue {
  if (typeof request === "string") return request;
  if ("env" in request || "file" in request) return readSecret(field, request);
  if (keepFrom === "unchecked" && "stored" in request) return request.stored;
  const kept = keepStoredSecret(field, request, settings, keepFrom === "unchecked" ? null : keepFrom);
  return kept.ok ? kept.secret : { path: field, message: kept.message };
}

const isIssue = (v: TSecret | TIssue): v is TIssue => typeof v === "object";

function throwIssues(issues: TIssue[]): never {
  throw new AppError("INVALID_CONFIG", issues.map((i) => i.message).join("\n"), { issues });
}

function authSecret(auth: TAuthSettings): { field: TSecretField; request: TSecretRequest } {
  if (auth.type === "bearer") return { field: "target.auth.token", request: auth.token };
  if (auth.type === "basic") return { field: "target.auth.password", request: auth.password };
  return { field: "target.auth.clientSecret", request: auth.clientSecret };
}

/** The given source with the directory type's defaults filled in. */
function completeSource(s: TSourceSettings, bindPassword: TSecret): TSource {
  const d = DIRECTORY_DEFAULTS[s.directoryType];
  return {
    ...s,
    bindPassword,
    guidAttribute: s.guidAttribute ?? d.guid,
    timestampAttribute: s.timestampAttribute ?? d.timestamp,
    groupChangeAttribute: s.groupChangeAttribute ?? (s.timestampAttribute || d.groupChange),
    userObjectFilter: s.userObjectFilter ?? d.userObjectFilter,
    nestedGroups: s.nestedGroups ?? s.directoryType === "active-directory",
    disabled: s.disabled ?? d.disabled,
  };
}

function completeTarget(t: TTargetSettings, secret: TSecret): TTarget {
  const a = t.auth;
  const auth: TAuth =
    a.type === "bearer"
      ? { type: "bearer", token: secret }
      : a.type === "basic"
        ? { type: "basic", username: a.username, password: secret }
        : { type: "oauth2", tokenUrl: a.tokenUrl, clientId: a.clientId, clientSecret: secret, ...(a.scope !== undefined ? { scope: a.scope } : {}) };
  return { ...t, auth };
}

/** A secret to store: a kept one as it is, a new one encrypted. */
function seal(secret: TSecret): TEncryptedSecret {
  return isEncrypted(secret) ? secret : encryptSecret(secret);
}

function sealTarget(t: TTarget): TStoredTarget {
  const a = t.auth;
  const auth =
    a.type === "bearer"
      ? { ...a, token: seal(a.token) }
      : a.type === "basic"
        ? { ...a, password: seal(a.password) }
        : { ...a, clientSecret: seal(a.clientSecret) };
  return { ...t, auth };
}

/** The mapping with externalId the directory's GUID, unless it gives externalId itself or that default is off. */
function withExternalId<M extends Record<string, unknown>>(mapping: M, guidAttribute: string, on: boolean): M {
  return on && !("externalId" in mapping) ? { ...mapping, externalId: guidAttribute } : mapping;
}

/** Resolves a channel file or an edit into the stored form; every refused secret at once, as one INVALID_CONFIG naming each field. */
export function resolveChannel(settings: TSettings, keepFrom: TKeepFrom): TChannelConfig {
  const auth = authSecret(settings.target.auth);
  const bind = resolveSecret("source.bindPassword", settings.source.bindPassword, settings, keepFrom);
  const authValue = resolveSecret(auth.field, auth.request, settings, keepFrom);
  if (isIssue(bind) || isIssue(authValue)) throwIssues([bind, authValue].filter(isIssue));
  const source: TStoredSource = { ...completeSource(settings.source, bind), bindPassword: seal(bind) };
  const d = DIRECTORY_DEFAULTS[settings.source.directoryType];
  return {
    name: settings.name,
    connectionId: settings.connectionId,
    active: settings.active,
    connectionActive: settings.connectionActive,
    syncFrequencySec: settings.syncFrequencySec,
    source,
    target: sealTarget(completeTarget(settings.target, authValue)),
    mapping: {
      user: withExternalId(settings.mapping ?? d.mapping, source.guidAttribute, settings.options.externalIdFromGuid),
      group: withExternalId(settings.groupMapping ?? { displayName: settings.source.groupNameAttribute }, source.guidAttribute, settings.options.externalIdFromGuid),
    },
    options: { ...settings.options, nestedGroups: nestedGroupsFor(settings.options.nestedGroups, settings.source.directoryType) },
  };
}

/** A channel file, validated (INVALID_CONFIG naming every problem). */
export function validateChannelFile(input: unknown): TChannelFileParsed {
  const parsed = ZChannelFile.safeParse(input);
  if (!parsed.success) throw new AppError("INVALID_CONFIG", `invalid channel configuration:\n${formatZodError(parsed.error)}`);
  return parsed.data;
}

/** A channel file, validated and resolved; stored values checked against `keepFrom` (the channel it updates). */
export function parseChannelFile(input: unknown, keepFrom: TKeepFrom = "unchecked"): TChannelConfig {
  return resolveChannel(validateChannelFile(input), keepFrom);
}

/** A connection test's directory settings, resolved as a stored source would be; a kept bind password only for its own host. */
export function resolveTestSource(source: TSourceEdit, mapping: TMapping | undefined, stored: TStoredParts | null): { source: TSource; userMapping: TMapping } {
  const bind = resolveSecret("source.bindPassword", source.bindPassword, { source }, stored);
  if (isIssue(bind)) throwIssues([bind]);
  return { source: completeSource(source, bind), userMapping: mapping ?? DIRECTORY_DEFAULTS[source.directoryType].mapping };
}

/** A connection test's target settings, resolved as a stored target would be; a kept secret only for its own hosts. */
export function resolveTestTarget(target: TTargetEdit, stored: TStoredParts | null): TTarget {
  const auth = authSecret(target.auth);
  const secret = resolveSecret(auth.field, auth.request, { target }, stored);
  if (isIssue(secret)) throwIssues([secret]);
  return completeTarget(target, secret);
}
