// What a channel update changed, for the audit log: one entry per field that differs
// (`source.baseDn`, `mapping.user.emails.work`, `options.maxDeprovisionPercent`), with
// the value before and after. A secret never appears: a stored secret (an `enc:v1:`
// value) or a field named like one is reported as set, changed or removed, its values
// `********`. Two ciphertexts of the same secret differ (a fresh IV each time), so
// whether a secret changed is asked of `sameSecret`, which the caller answers by
// decrypting both on the server; nothing decrypted leaves it. Pure.
import { ENCRYPTED_PREFIX } from "../crypto/secret-types.ts";

export type TConfigChange = { field: string; from: unknown; to: unknown } | { field: string; secret: "set" | "changed" | "removed"; from: string; to: string };

const MASK = "********";
/** field names whose values are secrets even when not (yet) encrypted */
const SECRET_NAME = /(password|secret|token|credential|privatekey)$/i;
const MAX_VALUE = 300;
const MAX_CHANGES = 100;

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function flatten(value: unknown, prefix: string, out: Map<string, unknown>): void {
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    // an empty object is a value of its own ({} vs absent)
    if (keys.length === 0 && prefix) out.set(prefix, {});
    for (const k of keys) flatten(value[k], prefix ? `${prefix}.${k}` : k, out);
    return;
  }
  // arrays (filters lists, multi-valued mappings) are compared and shown whole
  if (value !== undefined) out.set(prefix, value);
}

function isSecret(field: string, value: unknown): boolean {
  const last = field.split(".").pop() ?? field;
  return (typeof value === "string" && value.startsWith(ENCRYPTED_PREFIX)) || SECRET_NAME.test(last);
}

/** A value as the audit log shows it: long text shortened. */
function shown(v: unknown): unknown {
  if (v === undefined) return null;
  const text = typeof v === "string" ? v : JSON.stringify(v);
  if (text.length <= MAX_VALUE) return v;
  return `${text.slice(0, MAX_VALUE)}… (${text.length} characters)`;
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function diffChannelConfig(
  before: Record<string, unknown>,
  after: Record<string, unknown>,
  options: { sameSecret: (a: string, b: string) => boolean },
): { changes: TConfigChange[]; truncated: boolean } {
  const a = new Map<string, unknown>();
  const b = new Map<string, unknown>();
  flatten(before, "", a);
  flatten(after, "", b);
  const fields = [...new Set([...a.keys(), ...b.keys()])].sort();
  const changes: TConfigChange[] = [];
  for (const field of fields) {
    const from = a.get(field);
    const to = b.get(field);
    if (isSecret(field, from) || isSecret(field, to)) {
      const had = typeof from === "string" && from !== "";
      const has = typeof to === "string" && to !== "";
      if (!had && !has) continue;
      if (had && has && (from === to || options.sameSecret(from as string, to as string))) continue;
      changes.push({ field, secret: had && has ? "changed" : has ? "set" : "removed", from: had ? MASK : "", to: has ? MASK : "" });
      continue;
    }
    if (same(from, to)) continue;
    changes.push({ field, from: shown(from), to: shown(to) });
  }
  return { changes: changes.slice(0, MAX_CHANGES), truncated: changes.length > MAX_CHANGES };
}
