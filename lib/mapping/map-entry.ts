// LDAP entry -> SCIM values. Values are kept flat ("name.givenName" -> "Janet") so they
// can be hashed, compared with what the SP last acknowledged, and turned into a full
// resource (POST/PUT) or into PATCH operations.
import { createHash } from "node:crypto";
import type { TMapping, TMappingValue } from "../channel-config/config.ts";
import type { TLdapEntry } from "../ldap/directory.ts";
import { USER_SCHEMA, type TPatchOp } from "../scim/protocol.ts";
import { compileExpression } from "./expression/compile.ts";
import { normalizeDn } from "./references.ts";

export type TScalar = string | boolean | number;
/** A mapped value: one value, or every value of a multi-valued attribute (an expression giving a list). */
export type TFlatValue = TScalar | string[];
export type TFlatValues = Record<string, TFlatValue>;

/** RFC 7643 multi-valued attributes whose entries carry a `type` (emails.work). */
export const TYPED_MULTI = new Set(["emails", "phoneNumbers", "ims", "photos", "addresses"]);

function attr(entry: TLdapEntry, name: string): string | undefined {
  return entry.attrs[name.toLowerCase()]?.[0];
}

/**
 * One mapping value for an entry; undefined for none. An expression that fails on this
 * entry (an index out of range, a bound exceeded) throws: the caller keeps the record
 * from being pushed with a value missing, rather than remove that value at the target.
 */
export function evaluate(spec: TMappingValue, entry: TLdapEntry): TFlatValue | undefined {
  if (typeof spec === "string") return attr(entry, spec);
  if ("literal" in spec) return spec.literal;
  if ("expression" in spec) return compileExpression(spec.expression).run(entry.attrs);
  // the DN of another user of the channel: resolved to its SCIM id when pushed (references.ts)
  if ("reference" in spec) {
    const dn = attr(entry, spec.reference);
    return dn === undefined ? undefined : normalizeDn(dn);
  }
  if ("template" in spec) {
    const out = spec.template.replace(/\{([A-Za-z0-9;_-]+)\}/g, (_, name: string) => attr(entry, name) ?? "").replace(/\s+/g, " ").trim();
    return out === "" ? undefined : out;
  }
  const v = attr(entry, spec.attribute);
  if (v === undefined) return undefined;
  return spec.transform === "lower" ? v.toLowerCase() : spec.transform === "upper" ? v.toUpperCase() : v;
}

/** The mapped values of an entry; a mapping value that fails (see evaluate) throws MappingError naming it. */
export function mapEntry(entry: TLdapEntry, mapping: TMapping): TFlatValues {
  const { values, error } = mapEntryChecked(entry, mapping);
  if (error) throw error;
  return values;
}

/** A mapping's keys in order, sorted once per mapping rather than once per entry mapped. */
const sortedKeys = new WeakMap<TMapping, string[]>();

/** The mapped values of an entry, those that could be computed, and the first that could not. */
export function mapEntryChecked(entry: TLdapEntry, mapping: TMapping): { values: TFlatValues; error: MappingError | null } {
  const values: TFlatValues = {};
  let error: MappingError | null = null;
  let keys = sortedKeys.get(mapping);
  if (!keys) {
    keys = Object.keys(mapping).sort();
    sortedKeys.set(mapping, keys);
  }
  for (const key of keys) {
    const spec = mapping[key];
    if (spec === undefined) continue;
    let v: TFlatValue | undefined;
    try {
      v = evaluate(spec, entry);
    } catch (err) {
      error ??= new MappingError(key, (err as Error).message);
      continue;
    }
    if (v !== undefined && v !== "" && !(Array.isArray(v) && v.length === 0)) values[key] = v;
  }
  return { values, error };
}

/** A mapping value that could not be computed for an entry. */
export class MappingError extends Error {
  constructor(
    readonly key: string,
    reason: string,
  ) {
    super(`mapping ${key}: ${reason.split("\n")[0]}`);
  }
}

/** Two mapped values are the same (a multi-value compared value by value, in order). */
export function sameValue(a: TFlatValue | undefined, b: TFlatValue | undefined): boolean {
  if (Array.isArray(a) || Array.isArray(b)) return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((v, i) => v === b[i]);
  return a === b;
}

/** Stable hash of mapped values: key order does not matter. */
export function hashValues(values: TFlatValues): string {
  const keys = Object.keys(values).sort();
  let s = "";
  for (const k of keys) s += `${k}\u0000${JSON.stringify(values[k])}\u0001`;
  return createHash("sha256").update(s).digest("base64url").slice(0, 32);
}

/** Splits "urn:…:enterprise:2.0:User:department" into its schema URN and attribute. */
export function splitUrn(key: string): { schema?: string; path: string } {
  if (!key.startsWith("urn:")) return { path: key };
  const i = key.lastIndexOf(":");
  return { schema: key.slice(0, i), path: key.slice(i + 1) };
}

type TJson = { [k: string]: unknown };

function setPath(target: TJson, path: string, value: TFlatValue): void {
  const parts = path.split(".");
  const head = parts[0] as string;
  if (TYPED_MULTI.has(head) && parts.length === 2 && Array.isArray(value)) {
    // every value of a multi-valued attribute, each an item of this type; the first is primary unless another is
    const list = (target[head] as TJson[] | undefined) ?? [];
    const hasPrimary = list.some((i) => i.primary === true);
    value.forEach((v, i) => list.push({ type: parts[1], value: v, ...(i === 0 && !hasPrimary && list.length === 0 ? { primary: true } : {}) }));
    target[head] = list;
    return;
  }
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

/** "emails" for "emails.work", "urn:…:User:aliases" for an extension's multi-valued attribute: what a multi-valued replace names. */
function multiHead(key: string, value: TFlatValue | undefined): string | null {
  const { schema, path } = splitUrn(key);
  const head = path.split(".")[0] as string;
  if (!TYPED_MULTI.has(head) && !Array.isArray(value)) return null;
  return schema ? `${schema}:${head}` : head;
}

/**
 * PATCH operations that take the SP from `before` to `after`: one path-less replace
 * carrying every changed or new single value (the most widely accepted PATCH form); a
 * replace naming its path for each multi-valued attribute with a changed value, carrying
 * all its values (RFC 7644 §3.5.2.3: the attribute and all its values are replaced — a
 * path-less replace is merged into the old values by some targets, SCIMMY among them);
 * and a remove for each attribute that no longer has a value.
 */
export function patchOps(before: TFlatValues | null, after: TFlatValues, opts: { byType?: boolean } = {}): TPatchOp[] {
  const changed: TFlatValues = {};
  const multi = new Map<string, TFlatValues>();
  const typed: TPatchOp[] = [];
  for (const [k, v] of Object.entries(after)) {
    if (before && sameValue(before[k], v)) continue;
    const head = multiHead(k, v);
    const parts = k.split(".");
    if (opts.byType && before && head && !k.startsWith("urn:") && parts.length === 2 && !Array.isArray(v) && !Array.isArray(before[k])) {
      // one typed value: changed in place, or added beside the others
      typed.push(k in before ? { op: "replace", path: `${head}[type eq "${parts[1]}"].value`, value: v } : { op: "add", path: head, value: [{ type: parts[1], value: v }] });
    } else if (head) multi.set(head, {});
    else changed[k] = v;
  }
  // a multi-valued attribute is replaced whole: every value of it, changed or not
  for (const [k, v] of Object.entries(after)) {
    const head = multiHead(k, v);
    if (head && multi.has(head)) multi.get(head)![k] = v;
  }
  const ops: TPatchOp[] = [];
  if (Object.keys(changed).length > 0) {
    const value = toResource(changed, USER_SCHEMA);
    delete value.schemas;
    ops.push({ op: "replace", value });
  }
  ops.push(...typed);
  for (const [head, values] of multi) {
    const res = toResource(values, USER_SCHEMA);
    const { schema, path } = splitUrn(head);
    ops.push({ op: "replace", path: head, value: schema ? (res[schema] as TJson)[path] : res[path] });
  }
  if (before) {
    for (const k of Object.keys(before)) {
      if (k in after || k === "userName") continue;
      // a value gone from an attribute replaced whole above is gone with that replace
      const head = multiHead(k, before[k]);
      if (head && multi.has(head)) continue;
      ops.push({ op: "remove", path: removalPath(k) });
    }
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
  const v = readFlatValue(resource, key, false);
  return Array.isArray(v) ? undefined : v;
}

/** As readFlat; with `many`, every value a typed multi-valued attribute holds of that type (or a multi-valued attribute's values). */
function readFlatValue(resource: Record<string, unknown>, key: string, many: boolean): TFlatValue | undefined {
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
    if (many && parts.length === 2) {
      const typed = items.filter((i) => i.type === parts[1]);
      const held = (typed.length > 0 ? typed : items.length === 1 && items[0]!.type === undefined ? items : []).map((i) => scalar(i.value));
      return held.length === 0 ? undefined : held.filter((v) => v !== undefined).map(String);
    }
    const item = items.find((i) => i.type === parts[1]) ?? (items.length === 1 && items[0]!.type === undefined ? items[0] : undefined);
    if (!item) return undefined;
    return scalar(parts.length === 2 ? item.value : item[parts.slice(2).join(".")]);
  }
  for (const p of parts) {
    if (!cur || typeof cur !== "object") return undefined;
    cur = (cur as TJson)[p];
  }
  if (many && Array.isArray(cur)) return cur.map(scalar).filter((v) => v !== undefined).map(String);
  return scalar(cur);
}

function scalar(v: unknown): TScalar | undefined {
  return typeof v === "string" || typeof v === "number" || typeof v === "boolean" ? v : undefined;
}

/** What a target holds for these keys, as flat values (a multi-valued key with all its values); a key it does not hold is left out. */
export function heldValues(values: TFlatValues, resource: Record<string, unknown>): TFlatValues {
  const out: TFlatValues = {};
  for (const [key, v] of Object.entries(values)) {
    const held = readFlatValue(resource, key, Array.isArray(v));
    if (held !== undefined) out[key] = held;
  }
  return out;
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
  const text = (v: TFlatValue): string => (Array.isArray(v) ? v.map((x) => x.toLowerCase()).sort().join("\u0000") : String(v).toLowerCase());
  for (const [key, sent] of Object.entries(pushed)) {
    const held = readFlatValue(resource, key, Array.isArray(sent));
    if (held !== undefined && text(held) !== text(sent)) out[key] = held;
  }
  return out;
}
