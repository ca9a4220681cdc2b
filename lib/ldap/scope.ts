// Which entries a channel reads, and how a raw entry is read: GUID, timestamp,
// disabled flag. Pure functions over the channel's source config.
import type { TSource } from "../channel-config/stored.ts";
import type { TLdapEntry } from "./directory.ts";
import { AD_RANGE_STEP, escapeFilterValue } from "./directory.ts";

/** LDAP_MATCHING_RULE_IN_CHAIN: Active Directory's transitive membership match. */
export const IN_CHAIN = "1.2.840.113556.1.4.1941";

/**
 * The part of the filter that decides membership of the scope. Nested groups: Active
 * Directory follows them with the IN_CHAIN matching rule; OpenLDAP 2.5 does not know that
 * rule (the filter matches nobody) but slapo-dynlist (`member+memberOf@groupOfNames*`)
 * and 389-DS's memberOf plug-in put nested groups in memberOf itself.
 */
export function scopeClause(source: TSource): string {
  if (source.groupDn) {
    const dn = escapeFilterValue(source.groupDn);
    return source.nestedGroups && source.directoryType === "active-directory" ? `(memberOf:${IN_CHAIN}:=${dn})` : `(memberOf=${dn})`;
  }
  return source.filter ?? "(objectClass=*)";
}

export function userScopeFilter(source: TSource): string {
  return `(&${source.userObjectFilter}${scopeClause(source)})`;
}

/** Users of the channel's kind that changed since `since` but are NOT in scope (left it). */
export function leftScopeFilter(source: TSource, since: string): string {
  return `(&${source.userObjectFilter}(!${scopeClause(source)})(${source.timestampAttribute}>=${since}))`;
}

export function changedSinceFilter(filter: string, source: TSource, since: string): string {
  return `(&${filter}(${source.timestampAttribute}>=${since}))`;
}

export function groupScopeFilter(source: TSource): string | null {
  return source.groupFilter ?? null;
}

/** Every user attribute, plus the ones Ferry decides by, asked for by name: operational ones are not in "*". */
export function userAttributes(source: TSource): string[] {
  return ["*", source.guidAttribute, source.timestampAttribute, "memberOf", ...disabledRuleAttributes(source)];
}

function disabledRuleAttributes(source: TSource): string[] {
  const rule = source.disabled;
  if (rule.kind === "ad-uac") return ["userAccountControl", "accountExpires"];
  if (rule.kind === "attribute") return [rule.attribute];
  return [];
}

export function groupAttributes(source: TSource, withMembers: boolean): string[] {
  const base = [source.guidAttribute, source.timestampAttribute, source.groupChangeAttribute, source.groupNameAttribute, "objectClass"];
  if (!withMembers) return base;
  // Active Directory: members in windows of MaxValRange (Directory.readAllValues follows them)
  const member = source.directoryType === "active-directory" ? `${source.memberAttribute};range=0-${AD_RANGE_STEP - 1}` : source.memberAttribute;
  return [...base, member, "uniqueMember"];
}

export function firstValue(entry: TLdapEntry, attribute: string): string | undefined {
  return entry.attrs[attribute.toLowerCase()]?.[0];
}

export function guidOf(entry: TLdapEntry, source: TSource): string | undefined {
  const v = firstValue(entry, source.guidAttribute);
  return v?.toLowerCase();
}

export function timestampOf(entry: TLdapEntry, source: TSource): string | undefined {
  return firstValue(entry, source.timestampAttribute);
}

/**
 * Active Directory's accountExpires: 100-ns intervals since 1601-01-01 UTC; 0 and
 * 0x7FFFFFFFFFFFFFFF mean "never". An account past it cannot sign in: it counts as
 * disabled. (Its passing is not a change in the directory: an incremental read does not
 * see it; the next full read does.)
 */
export function accountExpired(value: string | undefined, now: number): boolean {
  if (!value || !/^\d+$/.test(value)) return false;
  const v = BigInt(value);
  if (v === 0n || v >= 0x7fffffffffffffffn) return false;
  const ms = Number(v / 10_000n) - 11_644_473_600_000;
  return ms <= now;
}

/** Active Directory's accountExpires value for an instant (the inverse of accountExpired's reading). */
export function toAccountExpires(ms: number): string {
  return String((BigInt(Math.floor(ms)) + 11_644_473_600_000n) * 10_000n);
}

export function isDisabled(entry: TLdapEntry, source: TSource, now = Date.now()): boolean {
  const rule = source.disabled;
  if (rule.kind === "ad-uac") {
    const uac = Number(firstValue(entry, "userAccountControl") ?? "0");
    return (uac & 0x2) !== 0 || accountExpired(firstValue(entry, "accountExpires"), now);
  }
  if (rule.kind === "attribute") {
    const want = rule.value.toLowerCase();
    return (entry.attrs[rule.attribute.toLowerCase()] ?? []).some((v) => v.toLowerCase() === want);
  }
  return false;
}

/** Group members as lower-cased DNs (member or uniqueMember; uniqueMember may carry a #uid suffix). */
export function memberDnsOf(values: string[]): string[] {
  return [...new Set(values.map((v) => v.replace(/#'?[01]*'?B$/, "").trim().toLowerCase()).filter(Boolean))];
}

/**
 * LDAP generalized time ("20261123034500Z", AD "20261123034500.0Z") to epoch ms, for
 * comparisons. "1" (the reset value) and anything unreadable are 0.
 */
export function ldapTimeToMs(ts: string | null | undefined): number {
  if (!ts) return 0;
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2,4})?$/.exec(ts.trim());
  if (!m) return 0;
  const [, y, mo, d, h, mi = "00", s = "00", frac = "0", zone = "Z"] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Math.round(Number(`0.${frac}`) * 1000));
  if (zone !== "Z") {
    const sign = zone.startsWith("-") ? -1 : 1;
    const hh = Number(zone.slice(1, 3));
    const mm = Number(zone.slice(3, 5) || "0");
    ms -= sign * (hh * 60 + mm) * 60_000;
  }
  return ms;
}

/** Epoch ms to generalized time in the form the directory type accepts in filters. */
export function msToLdapTime(ms: number, source: TSource): string {
  const iso = new Date(ms).toISOString(); // 2026-11-23T03:45:00.000Z
  const base = iso.slice(0, 19).replace(/[-T:]/g, "");
  return source.directoryType === "active-directory" ? `${base}.0Z` : `${base}Z`;
}
