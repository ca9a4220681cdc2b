// Finding one directory user for explain and provision-on-demand: by DN, by the channel's
// provider-name attribute (uid, sAMAccountName: whatever the mapping's userName reads) or
// by GUID — also one the store has never seen, also one outside the channel's base DN or
// scope. Read-only: the directory is searched, the store only looked at.
import type { TSource } from "../channel-config/stored.ts";
import type { TMapping } from "../channel-config/config.ts";
import type { TSql } from "../db/index.ts";
import { guidFilter } from "../ldap/change-feed.ts";
import { escapeFilterValue, type Directory, type TLdapEntry } from "../ldap/directory.ts";
import { userAttributes } from "../ldap/scope.ts";
import { normalizeDn } from "../mapping/references.ts";
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
 * Where to look for a user named or GUID'd: the channel's base DN first, then the
 * directory's naming contexts (a user moved out of the base is still explained).
 */
async function searchBases(dir: Directory, source: TSource): Promise<string[]> {
  const bases = [source.baseDn];
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
  const q = resolveQuery(query);
  const attributes = userAttributes(source);
  if ("dn" in q) {
    const e = await dir.read(q.dn, attributes);
    return e ? { entry: e, by: "dn" } : null;
  }
  const bases = await searchBases(dir, source);
  if ("guid" in q) {
    const stored = await storedGuid(db, channel.id, guidCandidates(q.guid, source));
    for (const g of stored ? [stored] : guidCandidates(q.guid, source)) {
      const e = await searchFirst(dir, bases, guidFilter(source, [g]), attributes);
      if (e) return { entry: e, by: "guid" };
    }
    return null;
  }
  const attr = providerNameAttribute(channel.mapping);
  if (attr) {
    const e = await searchFirst(dir, bases, `(&${source.userObjectFilter}(${attr}=${escapeFilterValue(q.name)}))`, attributes);
    if (e) return { entry: e, by: "name" };
  }
  const rows = await db.$queryRawUnsafe<Array<{ guid: string; dn: string }>>(
    `SELECT guid, dn FROM user_record WHERE channel_id = $1 AND lower(provider_name) = lower($2) ORDER BY id LIMIT 1`,
    channel.id,
    q.name,
  );
  const rec = rows[0];
  if (rec) {
    const e = (await searchFirst(dir, bases, guidFilter(source, [rec.guid]), attributes)) ?? (await dir.read(rec.dn, attributes));
    if (e) return { entry: e, by: "name" };
  }
  return null;
}

async function storedGuid(db: TSql, channelId: number, candidates: string[]): Promise<string | null> {
  const rows = await db.$queryRawUnsafe<Array<{ guid: string }>>(
    `SELECT guid FROM user_record WHERE channel_id = $1 AND (guid = ANY($2::text[]) OR replace(guid, '-', '') = ANY($3::text[])) LIMIT 1`,
    channelId,
    candidates,
    candidates.map((c) => c.replace(/-/g, "")),
  );
  return rows[0]?.guid ?? null;
}

/** The DN as the directory spells it, compared loosely: case and spaces after commas do not count. */
export const normDn = normalizeDn;

export function isUnderBase(dn: string, baseDn: string): boolean {
  const d = normDn(dn);
  const b = normDn(baseDn);
  return d === b || d.endsWith(`,${b}`);
}

