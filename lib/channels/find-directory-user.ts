// Finding one directory user (or group) for explain and provision-on-demand: by DN, by the
// channel's provider-name attribute (uid, sAMAccountName: whatever the mapping's userName
// reads; a group's name attribute) or by GUID — also one the store has never seen, also
// one outside the channel's base DN or scope. Read-only: the directory is searched, the store only looked at.
import type { TSource } from "../channel-config/stored.ts";
import type { TMapping, TMappingValue } from "../channel-config/config.ts";
import type { TSql } from "../db/index.ts";
import { guidFilter } from "../ldap/change-feed.ts";
import { escapeFilterValue, type Directory, type TLdapEntry } from "../ldap/directory.ts";
import { groupAttributes, userAttributes } from "../ldap/scope.ts";
import { normalizeDn } from "../mapping/references.ts";
import { mappingAttributes } from "../mapping/mapping-attributes.ts";
import { guidCandidates } from "./show-record.ts";

/** How an administrator named the user: a DN, a provider name, or a GUID (`auto`: guessed from its form). */
export type TUserQuery = { dn: string } | { name: string } | { guid: string } | { auto: string };

export type TFoundUser = {
  entry: TLdapEntry;
  /** how it was found */
  by: "dn" | "name" | "guid";
};

export function looksLikeDn(v: string): boolean {
  return /^[A-Za-z][\w-]*=[^,]+(,|$)/.test(v.trim()) && v.includes("=");
}

export function looksLikeGuid(v: string): boolean {
  const s = v.trim().replace(/^\{|\}$/g, "");
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s) || /^[0-9a-f]{32}$/i.test(s);
}

/** The query in its definite form. */
export function resolveQuery(q: TUserQuery): { dn: string } | { name: string } | { guid: string } {
  if (!("auto" in q)) return q;
  const v = q.auto.trim();
  if (looksLikeDn(v)) return { dn: v };
  if (looksLikeGuid(v)) return { guid: v };
  return { name: v };
}

export function describeQuery(q: TUserQuery): string {
  const r = resolveQuery(q);
  return "dn" in r ? `DN ${r.dn}` : "guid" in r ? `GUID ${r.guid}` : `name ${r.name}`;
}

/** The LDAP attribute the mapping's userName reads, when it reads one attribute plainly. */
export function providerNameAttribute(mapping: TMapping): string | null {
  const spec = mapping.userName;
  if (typeof spec === "string") return spec;
  if (spec && typeof spec === "object" && "attribute" in spec) return spec.attribute;
  return null;
}

/**
 * Where to look for an entry named or GUID'd: the channel's own base first, then the
 * directory's naming contexts (a user moved out of the base is still explained).
 */
async function searchBases(dir: Directory, first: string): Promise<string[]> {
  const bases = [first];
  try {
    const dse = await dir.rootDse(["namingContexts", "defaultNamingContext"]);
    for (const v of [...(dse.attrs["defaultnamingcontext"] ?? []), ...(dse.attrs["namingcontexts"] ?? [])]) {
      if (v && !bases.some((b) => b.toLowerCase() === v.toLowerCase())) bases.push(v);
    }
  } catch {
    // a root DSE the account cannot read: the base DN alone
  }
  return bases;
}

async function searchFirst(dir: Directory, bases: string[], filter: string, attributes: string[]): Promise<TLdapEntry | null> {
  for (const base of bases) {
    try {
      for await (const e of dir.search(base, filter, attributes)) return e;
    } catch {
      // a naming context the account may not search (cn=config, a schema): the next one
    }
  }
  return null;
}

/** How to find one kind of entry: its records' table, the attributes a cycle reads, its name filter and base. */
type TFindSpec = { table: "user_record" | "group_record"; attributes: string[]; nameFilters: (name: string) => string[]; base: string };

async function findEntry(db: TSql, dir: Directory, channelId: number, source: TSource, spec: TFindSpec, query: TUserQuery): Promise<TFoundUser | null> {
  const q = resolveQuery(query);
  const { attributes } = spec;
  if ("dn" in q) {
    const e = await dir.read(q.dn, attributes);
    return e ? { entry: e, by: "dn" } : null;
  }
  const bases = await searchBases(dir, spec.base);
  if ("guid" in q) {
    const stored = await storedGuid(db, spec.table, channelId, guidCandidates(q.guid, source));
    for (const g of stored ? [stored] : guidCandidates(q.guid, source)) {
      const e = await searchFirst(dir, bases, guidFilter(source, [g]), attributes);
      if (e) return { entry: e, by: "guid" };
    }
    return null;
  }
  for (const filter of spec.nameFilters(q.name)) {
    const e = await searchFirst(dir, bases, filter, attributes);
    if (e) return { entry: e, by: "name" };
  }
  const rows = await db.$queryRawUnsafe<Array<{ guid: string; dn: string }>>(
    `SELECT guid, dn FROM ${spec.table} WHERE channel_id = $1 AND lower(provider_name) = lower($2) ORDER BY id LIMIT 1`,
    channelId,
    q.name,
  );
  const rec = rows[0];
  if (rec) {
    const e = (await searchFirst(dir, bases, guidFilter(source, [rec.guid]), attributes)) ?? (await dir.read(rec.dn, attributes));
    if (e) return { entry: e, by: "name" };
  }
  return null;
}

/**
 * The user's directory entry now, with every attribute the cycle reads, or null. A name
 * is looked for in the provider-name attribute, and, if the store knows a record by
 * that provider name, by its GUID (a templated userName has no single attribute).
 */
export async function findDirectoryUser(
  db: TSql,
  dir: Directory,
  channel: { id: number; source: TSource; mapping: TMapping },
  query: TUserQuery,
): Promise<TFoundUser | null> {
  const { source } = channel;
  const attr = providerNameAttribute(channel.mapping);
  return findEntry(db, dir, channel.id, source, {
    table: "user_record",
    attributes: userAttributes(source),
    nameFilters: (name) => (attr ? [`(&${source.userObjectFilter}(${attr}=${escapeFilterValue(name)}))`] : []),
    base: source.baseDn,
  }, query);
}

/** The object classes of groups in OpenLDAP, 389-DS and Active Directory. */
const ANY_GROUP = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=group)(objectClass=posixGroup)(objectClass=groupOfURLs))";

/**
 * A group's directory entry now, with its members, or null: by DN, GUID, or its name
 * (the channel's group name attribute, within its group filter, then among all groups;
 * else the store's record of that displayName).
 */
export async function findDirectoryGroup(
  db: TSql,
  dir: Directory,
  channel: { id: number; source: TSource; mapping: { group: Record<string, TMappingValue | undefined> } },
  query: TUserQuery,
): Promise<TFoundUser | null> {
  const { source } = channel;
  return findEntry(db, dir, channel.id, source, {
    table: "group_record",
    // the group's own attributes and those its mapping reads, as the cycle's group read asks
    attributes: [...new Set([...groupAttributes(source, true), ...mappingAttributes(channel.mapping.group)])],
    // a group the channel provisions first; then any group of that name (explained as out of scope)
    nameFilters: (name) => {
      const named = `(${source.groupNameAttribute}=${escapeFilterValue(name)})`;
      return [...(source.groupFilter ? [`(&${source.groupFilter}${named})`] : []), `(&${ANY_GROUP}${named})`];
    },
    base: source.groupBaseDn ?? source.baseDn,
  }, query);
}

async function storedGuid(db: TSql, table: TFindSpec["table"], channelId: number, candidates: string[]): Promise<string | null> {
  const rows = await db.$queryRawUnsafe<Array<{ guid: string }>>(
    `SELECT guid FROM ${table} WHERE channel_id = $1 AND (guid = ANY($2::text[]) OR replace(guid, '-', '') = ANY($3::text[])) LIMIT 1`,
    channelId,
    candidates,
    candidates.map((c) => c.replace(/-/g, "")),
  );
  return rows[0]?.guid ?? null;
}

/** Whether the directory's entry at `dn` matches an LDAP filter (a base search for no attribute). */
export async function entryMatches(dir: Directory, dn: string, filter: string): Promise<boolean> {
  for await (const _ of dir.search(dn, filter, ["1.1"], "base")) return true;
  return false;
}

/** The DN as the directory spells it, compared loosely: case and spaces after commas do not count. */
export const normDn = normalizeDn;

export function isUnderBase(dn: string, baseDn: string): boolean {
  const d = normDn(dn);
  const b = normDn(baseDn);
  return d === b || d.endsWith(`,${b}`);
}

