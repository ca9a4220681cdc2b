// A stored secret goes only to the host it was stored for. A channel's bind password is
// sent to its directory, its bearer token or basic password to its SCIM target, its OAuth
// client secret to the token URL (and the access token it buys to the target). Whoever
// edits or tests a channel may keep a stored secret without seeing it, so without this
// rule they could point the URL at a host of their own and receive the secret there.
// The rule: a stored secret may be kept only while every URL it is sent to keeps its
// origin (scheme, host and port); for a new origin the secret must be entered again.
// It is the one way to keep a secret (resolve.ts): an edit's { keep: true } (console,
// API, connection tests) and a channel file's stored `enc:v1:` value both come here.
import type { TEncryptedSecret } from "../crypto/secret-types.ts";
import type { TStoredParts } from "./stored.ts";

const DEFAULT_PORTS: Record<string, string> = { "ldap:": "389", "ldaps:": "636", "http:": "80", "https:": "443" };

/** scheme://host:port of a URL, the port always written, the host in lower case; null when it is no URL. */
export function originOf(url: unknown): string | null {
  if (typeof url !== "string") return null;
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return null;
  }
  const scheme = u.protocol.toLowerCase();
  const port = u.port || DEFAULT_PORTS[scheme];
  if (!u.hostname || !port) return null;
  return `${scheme}//${u.hostname.toLowerCase()}:${port}`;
}

export type TSecretField = "source.bindPassword" | "target.auth.token" | "target.auth.password" | "target.auth.clientSecret";
type TUrlField = "source.url" | "target.url" | "target.auth.tokenUrl";

/** Each secret and the URLs it (or what it buys) is sent to. */
const SENT_TO: Record<TSecretField, TUrlField[]> = {
  "source.bindPassword": ["source.url"],
  "target.auth.token": ["target.url"],
  "target.auth.password": ["target.url"],
  // the client secret goes to the token URL; the access token it buys, to the target
  "target.auth.clientSecret": ["target.auth.tokenUrl", "target.url"],
};

/** The URLs of a channel's settings, as far as they are given (a connection test gives one part). */
export type TSettingsUrls = {
  source?: { url: string };
  target?: { url: string; auth: { type: string; tokenUrl?: string } };
};

function urlOf(field: TUrlField, c: TSettingsUrls | TStoredParts | null): string | undefined {
  if (field === "source.url") return c?.source?.url;
  if (field === "target.url") return c?.target?.url;
  const auth = c?.target?.auth;
  return auth && "tokenUrl" in auth ? auth.tokenUrl : undefined;
}

function storedSecretOf(field: TSecretField, stored: TStoredParts | null): TEncryptedSecret | undefined {
  const auth = stored?.target?.auth;
  switch (field) {
    case "source.bindPassword":
      return stored?.source?.bindPassword;
    case "target.auth.token":
      return auth?.type === "bearer" ? auth.token : undefined;
    case "target.auth.password":
      return auth?.type === "basic" ? auth.password : undefined;
    case "target.auth.clientSecret":
      return auth?.type === "oauth2" ? auth.clientSecret : undefined;
  }
}

/** What a channel's settings ask for instead of a new value: the stored secret, kept by an edit, or named by its stored value in a channel file. */
export type TKeepRequest = { keep: true } | { stored: TEncryptedSecret };

export type TKeepAnswer = { ok: true; secret: TEncryptedSecret } | { ok: false; message: string };

/**
 * The stored secret for `field` that `settings` ask to keep, or why they may not: there
 * is none (a new channel, another kind of authentication), a channel file names another
 * stored value than this channel's own, or a URL the secret is sent to has a new origin.
 * `stored` is the channel's stored source and target, or null for a new channel.
 */
export function keepStoredSecret(field: TSecretField, request: TKeepRequest, settings: TSettingsUrls, stored: TStoredParts | null): TKeepAnswer {
  const secret = storedSecretOf(field, stored);
  if ("stored" in request && request.stored !== secret) {
    return { ok: false, message: `${field}: an encrypted value can only be this channel's own stored secret; give the secret's value (enter it again)` };
  }
  if (secret === undefined) {
    return { ok: false, message: `${field}: there is no stored secret to keep (a new channel, or another kind of authentication): give the secret's value` };
  }
  for (const urlField of SENT_TO[field]) {
    const was = originOf(urlOf(urlField, stored));
    const now = originOf(urlOf(urlField, settings));
    if (now !== null && was === now) continue;
    return {
      ok: false,
      message: `${field}: the stored secret was saved for ${was ?? "another host"}, and ${urlField} now points to ${now ?? urlOf(urlField, settings) ?? "nowhere"}: enter it again to use it there`,
    };
  }
  return { ok: true, secret };
}
