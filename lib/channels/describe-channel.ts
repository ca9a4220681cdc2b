// --show-source / --show-target: a channel's configuration as stored, every secret
// masked. Secrets are never decrypted here: the masked view is built from the stored
// (encrypted) form, and anything that still looks like a secret is masked again on the
// way out, so a future config field cannot leak through this view.
import { maskSecret } from "../crypto/secrets.ts";
import { userScopeFilter } from "../ldap/scope.ts";
import type { TMapping, TMappingValue, TOptions } from "../channel-config/config.ts";
import { readStoredChannel, type TStoredAuth, type TStoredSource, type TStoredTarget } from "../channel-config/stored.ts";
import { lookSinceLastCycle, sourceAsLdapUrl } from "./list-channels.ts";
import { requireChannel } from "./require-channel.ts";

/** The target's authentication with its secret masked. */
export type TMaskedAuth =
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string }
  | (Omit<Extract<TStoredAuth, { type: "oauth2" }>, "clientSecret"> & { clientSecret: string });

export type TMaskedSource = Omit<TStoredSource, "bindPassword"> & {
  bindPassword: string;
  /** the scope as one LDAP URL (RFC 4516), as --show-channels shows it */
  ldapUrl: string;
  /** the effective filter users are read with */
  userFilter: string;
};

export type TMaskedTarget = Omit<TStoredTarget, "auth"> & { auth: TMaskedAuth };

export type TChannelDescription = {
  id: number;
  name: string;
  connectionId: string;
  connectionStatus: "active" | "inactive";
  channelStatus: "active" | "inactive";
  syncFrequencySec: number;
  source: TMaskedSource;
  target: TMaskedTarget;
  mapping: { user: TMapping; group: { displayName: TMappingValue } };
  options: TOptions;
  state: {
    groupTimestamp: string | null;
    attributeSyncTimestamp: string | null;
    lastFullSyncAt: Date | null;
    /** the change feed the last cycle used, and whether it left a cookie to continue from */
    changeFeed: string | null;
    changeCookieKept: boolean;
    lastCycleAt: Date | null;
    lastCycleStatus: string | null;
    lastCycleMessage: string | null;
    /** when the worker last looked and found nothing changed, if after the last cycle (lib/sync/quiet-poll.ts); else null */
    lastPolledAt: Date | null;
  };
};

// names that end like a secret; `tokenUrl` and `passwordPolicyDn` are not secrets
const SECRET_KEY = /(password|secret|token|credentials?|apikey|api_key|privatekey)$/i;

/**
 * Masks whatever looks like a secret: the stored `enc:v1:` form, passwords in URLs and,
 * with `byKey`, any value under a key that names a secret.
 */
export function maskDeep<T>(value: T, byKey: boolean, key = ""): T {
  if (typeof value === "string") {
    if ((byKey && SECRET_KEY.test(key)) || value.startsWith("enc:v1:")) return maskSecret(value) as T;
    return redactUrlPassword(value) as T;
  }
  if (Array.isArray(value)) return value.map((v) => maskDeep(v, byKey, key)) as T;
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskDeep(v, byKey, k)])) as T;
  }
  return value;
}

/** A mapping names LDAP attributes (not secrets), except a literal sent as a password. */
function maskMapping(mapping: TMapping): TMapping {
  return Object.fromEntries(
    Object.entries(mapping).map(([attr, spec]) => [
      attr,
      SECRET_KEY.test(attr) && typeof spec === "object" && "literal" in spec ? { literal: maskSecret(String(spec.literal)) } : maskDeep(spec, false),
    ]),
  );
}

function redactUrlPassword(s: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(s)) return s;
  try {
    const u = new URL(s);
    if (u.password) u.password = "****";
    return u.toString();
  } catch {
    return s.replace(/(:\/\/[^/:@\s]*:)[^/@\s]*@/, "$1****@");
  }
}

export async function describeChannel(options: { channelId: number }): Promise<TChannelDescription> {
  const row = await requireChannel(options.channelId);
  const cfg = readStoredChannel(row);
  const s = cfg.source;
  const t = cfg.target;
  const auth: TMaskedAuth =
    t.auth.type === "bearer"
      ? { type: "bearer", token: maskSecret(t.auth.token) }
      : t.auth.type === "basic"
        ? { type: "basic", username: t.auth.username, password: maskSecret(t.auth.password) }
        : { ...t.auth, clientSecret: maskSecret(t.auth.clientSecret) };
  const source: TMaskedSource = {
    ...s,
    bindPassword: maskSecret(s.bindPassword),
    ldapUrl: sourceAsLdapUrl(s),
    userFilter: userScopeFilter(s),
  };
  return {
    id: row.id,
    name: row.name,
    connectionId: row.connectionId,
    connectionStatus: row.connectionActive ? "active" : "inactive",
    channelStatus: row.active ? "active" : "inactive",
    syncFrequencySec: row.syncFrequencySec,
    source: maskDeep(source, true),
    target: maskDeep({ ...t, auth }, true),
    mapping: { user: maskMapping(cfg.mapping.user), group: maskDeep(cfg.mapping.group, false) },
    options: cfg.options,
    state: {
      groupTimestamp: row.groupTimestamp,
      attributeSyncTimestamp: row.attributeSyncTimestamp,
      lastFullSyncAt: row.lastFullSyncAt,
      changeFeed: row.changeFeed,
      changeCookieKept: Boolean(row.changeCookie),
      lastCycleAt: row.lastCycleAt,
      lastCycleStatus: row.lastCycleStatus,
      lastCycleMessage: row.lastCycleMessage,
      lastPolledAt: lookSinceLastCycle(row),
    },
  };
}
