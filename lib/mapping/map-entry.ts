// LDAP entry -> SCIM values. Values are kept flat ("name.givenName" -> "Janet") so they
// can be hashed, compared with what the SP last acknowledged, and turned into a full
// resource (POST/PUT) or into PATCH operations.
import { createHash } from "node:crypto";
import type { TMapping, TMappingValue } from "../channel-config/config.ts";
import type { TLdapEntry } from "../ldap/directory.ts";
import { USER_SCHEMA, type TPatchOp } from "../scim/protocol.ts";

export type TScalar = string | boolean | number;
export type TFlatValues = Record<string, TScalar>;

/** RFC 7643 multi-valued attributes whose entries carry a `type` (emails.work). */
const TYPED_MULTI = new Set(["emails", "phoneNumbers", "ims", "photos", "addresses"]);

function attr(entry: TLdapEntry, name: string): string | undefined {
  return entry.attrs[name.toLowerCase()]?.[0];
}

export function evaluate(spec: TMappingValue, entry: TLdapEntry): TScalar | undefined {
  if (typeof spec === "string") return attr(entry, spec);
  if ("literal" in spec) return spec.literal;
  if ("template" in spec) {
    const out = spec.template.replace(/\{([A-Za-z0-9;_-]+)\}/g, (_, name: string) => attr(entry, name) ?? "").replace(/\s+/g, " ").trim();
    return out === "" ? undefined : out;
  }
  const v = attr(entry, spec.attribute);
  if (v === undefined) return undefined;
  return spec.transform === "lower" ? v.toLowerCase() : spec.transform === "upper" ? v.toUpperCase() : v;
}

/** A mapping's keys in order, sorted once per mapping rather than once per entry mapped. */
const sortedKeys = new WeakMap<TMapping, string[]>();

export function mapEntry(entry: TLdapEntry, mapping: TMapping): TFlatValues {
  const out: TFlatValues = {};
  let keys = sortedKeys.get(mapping);
  if (!keys) {
    keys = Object.keys(mapping).sort();
    sortedKeys.set(mapping, keys);
  }
  for (const key of keys) {
    const spec = mapping[key];
    if (spec === undefined) continue;
    const v = evaluate(spec, entry);
    if (v !== undefined && v !== "") out[key] = v;
  }
  return out;
}

/** Stable hash of mapped values: key order does not matter. */
export function hashValues(values: TFlatValues): string {
  const keys = Object.keys(values).sort();
  let s = "";
  for (const k of keys) s += `${k}\u0000${JSON.stringify(values[k])}\u0001`;
  return createHash("sha256").update(s).digest("base64url").slice(0, 32);
}

/** Splits "urn:…:enterprise:2.0:User:department" into its schema URN and attribute. */
function splitUrn(key: string): { schema?: string; path: string } {
  if (!key.startsWith("urn:")) return { path: key };
  const i = key.lastIndexOf(":");
  return { schema: key.slice(0, i), path: key.slice(i + 1) };
}

type TJson = { [k: string]: unknown };

function setPath(target: TJson, path: string, value: TScalar): void {
  const parts = path.split(".");
  const head = parts[0] as string;
  if (TYPED_MULTI.has(head) && parts.length >= 2) {
    const type = parts[1] as string;
    const list = (target[head] as TJson[] | undefined) ?? [];
    let item = list.find((i) => i.type === type);
    if (!item) {
      item = { type, ...(list.length === 0 ? { primary: true } : {}) };
      list.push(item);
    }
    if (parts.length === 2) item.value = value;
    else item[parts.slice(2).join(".")] = value;
    target[head] = list;
    return;
  }
  let cur = target;
  for (const p of parts.slice(0, -1)) {
    cur[p] ??= {};
    cur = cur[p] as TJson;
  }
  cur[parts[parts.length - 1] as string] = value;
}

/** The full SCIM resource for POST/PUT. */
export function toResource(values: TFlatValues, coreSchema: string): TJson {
  const res: TJson = { schemas: [coreSchema] };
  for (const [key, value] of Object.entries(values)) {
    const { schema, path } = splitUrn(key);
    if (schema) {
      if (!(res.schemas as string[]).includes(schema)) (res.schemas as string[]).push(schema);
      res[schema] ??= {};
      setPath(res[schema] as TJson, path, value);
    } else setPath(res, path, value);
  }
  return res;
}

/** RFC 7644 path for a removed value: emails.work -> emails[type eq "work"]. */
function removalPath(key: string): string {
  const { schema, path } = splitUrn(key);
  const parts = path.split(".");
  const head = parts[0] as string;
  let p = path;
  if (TYPED_MULTI.has(head) && parts.length >= 2) {
    p = `${head}[type eq "${parts[1]}"]${parts.length > 2 ? "." + parts.slice(2).join(".") : ""}`;
  }
  return schema ? `${schema}:${p}` : p;
}

/**
 * PATCH operations that take the SP from `before` to `after`: one path-less replace
 * carrying every changed or new value (the most widely accepted PATCH form), and a
 * remove for each attribute that no longer has a value.
 */
export function patchOps(before: TFlatValues | null, after: TFlatValues): TPatchOp[] {
  const changed: TFlatValues = {};
  for (const [k, v] of Object.entries(after)) if (!before || before[k] !== v) changed[k] = v;
  // a typed multi-valued attribute is replaced whole, so carry its unchanged siblings too
  for (const k of Object.keys(changed)) {
    const head = splitUrn(k).path.split(".")[0] as string;
    if (!TYPED_MULTI.has(head)) continue;
    for (const [k2, v2] of Object.entries(after)) if (splitUrn(k2).path.split(".")[0] === head) changed[k2] = v2;
  }
  const ops: TPatchOp[] = [];
  if (Object.keys(changed).length > 0) {
    const value = toResource(changed, USER_SCHEMA);
    delete value.schemas;
    ops.push({ op: "replace", value });
  }
  if (before) {
    for (const k of Object.keys(before)) if (!(k in after) && k !== "userName") ops.push({ op: "remove", path: removalPath(k) });
  }
  return ops;
}

/**
 * The value a SCIM resource holds for one flat key ("name.givenName", "emails.work",
 * "urn:…:User:department"): the inverse of toResource, for comparing what a target holds
 * with what Ferry sent. undefined when the resource does not carry it. A typed
 * multi-valued attribute is found by its type; a target that drops the type of a lone
 * value (some do) is read from that value.
 */
export function readFlat(resource: Record<string, unknown>, key: string): TScalar | undefined {
  const { schema, path } = splitUrn(key);
  let cur: unknown = resource;
  if (schema) {
    cur = (resource as TJson)[schema];
    if (!cur || typeof cur !== "object") return undefined;
  }
  const parts = path.split(".");
  const head = parts[0] as string;
  if (TYPED_MULTI.has(head) && parts.length >= 2) {
    const list = (cur as TJson)[head];
    if (!Array.isArray(list)) return undefined;
    const items = list.filter((i): i is TJson => Boolean(i) && typeof i === "object");
    const item = items.find((i) => i.type === parts[1]) ?? (items.length === 1 && items[0]!.type === undefined ? items[0] : undefined);
    if (!item) return undefined;
    return scalar(parts.length === 2 ? item.value : item[parts.slice(2).join(".")]);
  }
  for (const p of parts) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as TJson)[p];
  }
  return scalar(cur);
}

function scalar(v: unknown): TScalar | undefined {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : undefined;
}

/**
 * The mapped keys whose value at the target differs from what Ferry last sent (`pushed`),
 * with the target's value. A key the target does not return at all is not compared: a
 * target that does not store an attribute would otherwise differ on every reconciliation.
 * Values are compared as text (a target may answer "true" for true) and ignoring case, as
 * RFC 7643 compares the core attributes (caseExact false): targets lower-case emails.
 */
export function driftedValues(pushed: TFlatValues, resource: Record<string, unknown>): TFlatValues {
  const out: TFlatValues = {};
  for (const [key, sent] of Object.entries(pushed)) {
    const held = readFlat(resource, key);
    if (held !== undefined && String(held).toLowerCase() !== String(sent).toLowerCase()) out[key] = held;
  }
  return out;
}
