// A stored secret goes only to the host it was stored for. A channel's bind password is
// sent to its directory, its bearer token or basic password to its SCIM target, its OAuth
// client secret to the token URL (and the access token it buys to the target). Whoever
// edits or tests a channel may keep a stored secret without seeing it, so without this
// rule they could point the URL at a host of their own and receive the secret there.
// The rule: a stored secret may be reused only while every URL it is sent to keeps its
// origin (scheme, host, port); for a new origin the secret must be entered again.
// Every path that reuses a stored secret calls assertSecretsStayHome: saving (through
// applyChannelConfig, so channel files too) and connection tests (resolveTestConfig).
import { isEncrypted } from "../crypto/secrets.ts";
import { AppError } from "../errors.ts";

type TObj = Record<string, unknown>;
const isObj = (v: unknown): v is TObj => typeof v === "object" && v !== null && !Array.isArray(v);

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

function get(obj: unknown, path: string[]): unknown {
  let v: unknown = obj;
  for (const k of path) v = isObj(v) ? v[k] : undefined;
  return v;
}

type TSecretField = { secret: string; sentTo: string[] };

/** Each secret of a channel and the URLs it (or what it buys) is sent to. */
function secretFields(config: unknown): TSecretField[] {
  const fields: TSecretField[] = [{ secret: "source.bindPassword", sentTo: ["source.url"] }];
  const type = get(config, ["target", "auth", "type"]);
  if (type === "bearer") fields.push({ secret: "target.auth.token", sentTo: ["target.url"] });
  if (type === "basic") fields.push({ secret: "target.auth.password", sentTo: ["target.url"] });
  // the client secret goes to the token URL; the access token it buys, to the target
  if (type === "oauth2") fields.push({ secret: "target.auth.clientSecret", sentTo: ["target.auth.tokenUrl", "target.url"] });
  return fields;
}

/**
 * Refuses a configuration that carries a stored (encrypted) secret anywhere but to the
 * origins it was stored for. `config` is a channel file as given (stored secrets kept
 * in it as their `enc:v1:` form); `stored` the channel's stored source and target, or
 * null for a new channel. Secrets given as values, `{ env }` or `{ file }` are new
 * entries and go where they are told.
 */
export function assertSecretsStayHome(config: unknown, stored: { source: unknown; target: unknown } | null): void {
  const issues: Array<{ path: string; message: string }> = [];
  for (const { secret, sentTo } of secretFields(config)) {
    const path = secret.split(".");
    const value = get(config, path);
    if (typeof value !== "string" || !isEncrypted(value)) continue;
    const storedValue = stored ? get(stored, path) : undefined;
    if (value !== storedValue) {
      issues.push({ path: secret, message: `${secret}: an encrypted value can only be this channel's own stored secret; give the secret's value (enter it again)` });
      continue;
    }
    for (const urlField of sentTo) {
      const urlPath = urlField.split(".");
      const was = originOf(get(stored, urlPath));
      const now = originOf(get(config, urlPath));
      // an unreadable URL is left to the schema, which names it
      if (now === null || was === now) continue;
      issues.push({
        path: secret,
        message: `${secret}: the stored secret was saved for ${was ?? "another host"}, and ${urlField} now points to ${now}: enter it again to use it there`,
      });
      break;
    }
  }
  if (issues.length > 0) throw new AppError("INVALID_CONFIG", issues.map((i) => i.message).join("\n"), { issues });
}
