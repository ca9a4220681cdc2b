// The functions a mapping expression can call besides CEL's own operators and macros
// (docs/channel-file.md lists them all, each with an example; a unit test keeps the two
// in step). Every function is total: a missing attribute, an unparseable date or a
// pattern that does not match gives "" (which maps to "no value"), never an exception,
// so one odd entry does not stop a cycle. Each call is counted against the evaluation's
// budget and each result checked against the size limits (limits.ts).
import { RE2JS } from "re2js";
import { EXPRESSION_LIMITS as L } from "./limits.ts";
import { currentEntryValues, spendCall } from "./budget.ts";
import { ExpressionLimitError } from "./errors.ts";

export type TFunctionDoc = {
  /** the CEL signature registered with cel-js */
  signature: string;
  description: string;
  /** an expression using it and what it gives, as docs/channel-file.md shows them */
  example: string;
  handler: (...args: never[]) => unknown;
};

function str(s: string): string {
  if (s.length > L.maxStringLength) throw new ExpressionLimitError(`a value longer than ${L.maxStringLength} characters`);
  return s;
}

function list(l: string[]): string[] {
  if (l.length > L.maxListLength) throw new ExpressionLimitError(`a list longer than ${L.maxListLength} values`);
  return l;
}

const patterns = new Map<string, RE2JS>();

/** An RE2 pattern (linear time, no backtracking), compiled once. */
function re(pattern: string): RE2JS {
  if (pattern.length > L.maxPatternLength) throw new ExpressionLimitError(`a pattern longer than ${L.maxPatternLength} characters`);
  let p = patterns.get(pattern);
  if (!p) {
    p = RE2JS.compile(pattern);
    if (patterns.size > 1_000) patterns.clear();
    patterns.set(pattern, p);
  }
  return p;
}

/** Letters that do not decompose into a base letter and a mark (NFD leaves them as they are). */
const FOLD: Record<string, string> = { ß: "ss", ẞ: "SS", æ: "ae", Æ: "AE", œ: "oe", Œ: "OE", ø: "o", Ø: "O", ł: "l", Ł: "L", đ: "d", Đ: "D", ð: "d", Ð: "D", þ: "th", Þ: "TH", ı: "i" };

function normalizeDiacritics(s: string): string {
  return s
    .normalize("NFD")
    .replace(/\p{M}/gu, "")
    .replace(/[ßẞæÆœŒøØłŁđĐðÐþÞı]/g, (c) => FOLD[c] ?? c)
    .normalize("NFC");
}

/** LDAP generalized time (RFC 4517: 20240131120000Z, 20240131120000.0Z, 202401311200+0100) -> ISO 8601 UTC. */
function generalizedTime(v: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})?(\d{2})?(?:[.,](\d+))?(Z|[+-]\d{2}(?:\d{2})?)$/.exec(v.trim());
  if (!m) return "";
  const [, y, mo, d, h, mi = "00", s = "00", , zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone && zone !== "Z") {
    const sign = zone[0] === "-" ? -1 : 1;
    ms -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(3, 5) || 0)) * 60_000;
  }
  return Number.isNaN(ms) ? "" : new Date(ms).toISOString().replace(".000Z", "Z");
}

/** Windows FILETIME (100-ns intervals since 1601-01-01 UTC, as AD's accountExpires or pwdLastSet) -> ISO 8601; 0 and the maximum mean "never": "". */
function fileTime(v: string): string {
  if (!/^\d{1,19}$/.test(v.trim())) return "";
  const t = BigInt(v.trim());
  if (t === 0n || t >= 0x7fffffffffffffffn) return "";
  const ms = Number(t / 10_000n) - 11_644_473_600_000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? "" : d.toISOString().replace(".000Z", "Z");
}

/** yyyy MM dd HH mm ss in UTC, anything else as it is; input an ISO 8601 date ("" when it is not one). */
function formatDate(iso: string, pattern: string): string {
  if (!/^\d{4}-\d{2}-\d{2}/.test(iso)) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  const two = (n: number) => String(n).padStart(2, "0");
  const parts: Record<string, string> = {
    yyyy: String(d.getUTCFullYear()),
    MM: two(d.getUTCMonth() + 1),
    dd: two(d.getUTCDate()),
    HH: two(d.getUTCHours()),
    mm: two(d.getUTCMinutes()),
    ss: two(d.getUTCSeconds()),
  };
  return str(pattern.replace(/yyyy|MM|dd|HH|mm|ss/g, (t) => parts[t] ?? t));
}

function substring(s: string, start: bigint, length: bigint): string {
  const chars = [...s];
  const from = Math.max(0, Math.min(chars.length, Number(start)));
  const n = Math.max(0, Number(length));
  return chars.slice(from, from + n).join("");
}

function regexExtract(s: string, pattern: string): string {
  const m = re(pattern).matcher(s);
  if (!m.find()) return "";
  return (m.groupCount() > 0 ? m.group(1) : m.group(0)) ?? "";
}

function lookup(table: Map<string, string> | Record<string, string>, key: string, fallback: string): string {
  const v = table instanceof Map ? table.get(key) : Object.prototype.hasOwnProperty.call(table, key) ? table[key] : undefined;
  return typeof v === "string" ? v : fallback;
}

const values = (name: string): string[] => currentEntryValues(name);

/** Every function, by name; overloads share a name. */
export const FUNCTIONS: TFunctionDoc[] = [
  { signature: "attr(string): string", description: "the first value of an LDAP attribute; \"\" when it has none", example: 'attr("givenName") → "Janet"', handler: (n: string) => values(n)[0] ?? "" },
  { signature: "attrs(string): list<string>", description: "every value of an LDAP attribute (at most 1,000)", example: 'attrs("mail") → ["janet@example.com", "j.doe@example.com"]', handler: (n: string) => list(values(n)) },
  { signature: "present(string): bool", description: "whether an LDAP attribute has a value", example: 'present("mobile") ? "has a mobile" : "none"', handler: (n: string) => values(n).some((v) => v !== "") },
  { signature: "coalesce(string, string): string", description: "the first argument that is not empty: a default for a missing attribute", example: 'coalesce(attr("displayName"), attr("cn")) → "Janet Doe"', handler: (a: string, b: string) => a || b },
  { signature: "coalesce(string, string, string): string", description: "as above, with three", example: 'coalesce(attr("preferredName"), attr("givenName"), "unknown")', handler: (a: string, b: string, c: string) => a || b || c },
  { signature: "lower(string): string", description: "lower case", example: 'lower(attr("mail")) → "janet@example.com"', handler: (s: string) => s.toLowerCase() },
  { signature: "upper(string): string", description: "upper case", example: 'upper(attr("c")) → "FR"', handler: (s: string) => s.toUpperCase() },
  { signature: "trim(string): string", description: "without leading and trailing white space", example: 'trim("  Janet ") → "Janet"', handler: (s: string) => s.trim() },
  { signature: "normalizeDiacritics(string): string", description: "accents and other marks removed (é → e, ß → ss, ø → o)", example: 'normalizeDiacritics("Zoë Łukasz Groß") → "Zoe Lukasz Gross"', handler: normalizeDiacritics },
  { signature: "substring(string, int, int): string", description: "`length` characters from `start` (0-based), clamped to the string", example: 'substring("Janet", 0, 1) → "J"', handler: substring },
  { signature: "replace(string, string, string): string", description: "every occurrence of a text replaced (no pattern)", example: 'replace("Doe-Smith", "-", " ") → "Doe Smith"', handler: (s: string, find: string, by: string) => (find === "" ? s : str(s.split(find).join(by))) },
  { signature: "regexMatch(string, string): bool", description: "whether an RE2 pattern matches somewhere in the text", example: 'regexMatch(attr("employeeType"), "^(staff|contractor)$")', handler: (s: string, p: string) => re(p).matcher(s).find() },
  { signature: "regexReplace(string, string, string): string", description: "every match of an RE2 pattern replaced; $1, $2 … name the groups", example: 'regexReplace("+33 1 23 45 67 89", "[^0-9+]", "") → "+33123456789"', handler: (s: string, p: string, by: string) => str(re(p).matcher(s).replaceAll(by)) },
  { signature: "regexExtract(string, string): string", description: "the first group of the first match (the whole match without a group); \"\" without a match", example: 'regexExtract("CN=Ann,OU=Sales,DC=ex", "OU=([^,]+)") → "Sales"', handler: regexExtract },
  { signature: "join(list<string>, string): string", description: "the non-empty values joined with a separator", example: 'join([attr("givenName"), attr("sn")], " ") → "Janet Doe"', handler: (l: string[], sep: string) => str(l.filter((v) => v !== "").join(sep)) },
  { signature: "split(string, string): list<string>", description: "the text cut at each separator", example: 'split("a;b;c", ";") → ["a", "b", "c"]', handler: (s: string, sep: string) => list(s.split(sep)) },
  { signature: "first(list<string>): string", description: "the first value; \"\" for an empty list", example: 'first(attrs("mail").filter(m, m.endsWith("@example.com")))', handler: (l: string[]) => l[0] ?? "" },
  { signature: "lookup(map<string, string>, string, string): string", description: "a value's entry in a table, or a default (a switch)", example: 'lookup({"1": "Sales", "2": "R&D"}, attr("departmentNumber"), "Other")', handler: lookup },
  { signature: "generalizedTime(string): string", description: "an LDAP generalized time (whenCreated, createTimestamp) as ISO 8601 UTC; \"\" when it is not one", example: 'generalizedTime("20240131120000.0Z") → "2024-01-31T12:00:00Z"', handler: generalizedTime },
  { signature: "fileTime(string): string", description: "an Active Directory FILETIME (accountExpires, pwdLastSet) as ISO 8601 UTC; \"\" for 0 and \"never\"", example: 'fileTime("133515072000000000") → "2024-02-04T08:00:00Z"', handler: fileTime },
  { signature: "formatDate(string, string): string", description: "an ISO 8601 date written with yyyy, MM, dd, HH, mm, ss (UTC)", example: 'formatDate(generalizedTime(attr("whenCreated")), "dd/MM/yyyy") → "31/01/2024"', handler: formatDate },
];

/** The function names an expression may call: these and CEL's own (but `matches`, see compile.ts). */
export const FUNCTION_NAMES = new Set(FUNCTIONS.map((f) => f.signature.slice(0, f.signature.indexOf("("))));

/** A handler that counts its call against the evaluation's budget. */
export function budgeted(f: TFunctionDoc["handler"]): (...args: unknown[]) => unknown {
  return (...args: unknown[]) => {
    spendCall();
    return (f as (...a: unknown[]) => unknown)(...args);
  };
}
