// Reading the directory: connect (ldap://, ldaps://, StartTLS), bind, and stream paged
// searches one entry at a time so memory stays flat however large the scope is.
// Every failure becomes an AppError("LDAP_ERROR") that says what and where.
import { readFileSync } from "node:fs";
import {
  Client,
  InvalidCredentialsError,
  NoSuchObjectError,
  SizeLimitExceededError,
  TimeLimitExceededError,
  AdminLimitExceededError,
  ResultCodeError,
  type Control,
  type Entry,
} from "ldapts";
import { AppError } from "../errors.ts";
import { parseFilter } from "./filter-bytes.ts";
import { decryptSecret } from "../crypto/secrets.ts";
import type { TSource } from "../channel-config/stored.ts";

/** An entry with attribute names lower-cased and every value a string (binary as hex). */
export type TLdapEntry = { dn: string; attrs: Record<string, string[]> };

/** How many values of a ranged attribute Ferry asks for at a time: Active Directory's default MaxValRange. */
export const AD_RANGE_STEP = 1500;

/** The `attr;range=a-b` key holding values in an entry (a requested window the directory did not fill has none). */
function rangedKeyOf(entry: TLdapEntry, lower: string): string | undefined {
  return Object.keys(entry.attrs).find((k) => k.startsWith(`${lower};range=`) && (entry.attrs[k]?.length ?? 0) > 0);
}

/** Attributes that are binary on the wire and shown as hex (the seed's `-g` example). */
const BINARY_ATTRIBUTES = ["objectGUID", "objectSid"];

export class Directory {
  private constructor(
    private readonly client: Client,
    readonly source: TSource,
  ) {}

  static async open(source: TSource): Promise<Directory> {
    const where = source.url;
    let tlsOptions: { ca?: Buffer; rejectUnauthorized: boolean; servername?: string } | undefined;
    if (source.url.toLowerCase().startsWith("ldaps:") || source.startTls) {
      tlsOptions = { rejectUnauthorized: source.rejectUnauthorized };
      // the name the certificate must carry when the URL names an IP or an alias (a DC's certificate names the DC)
      if (source.tlsServername) tlsOptions.servername = source.tlsServername;
      if (source.caFile) {
        try {
          tlsOptions.ca = readFileSync(source.caFile);
        } catch (err) {
          throw new AppError("INVALID_CONFIG", `source.caFile ${source.caFile} cannot be read: ${(err as Error).message}`);
        }
      }
    }
    const client = new Client({
      url: source.url,
      timeout: source.timeoutMs,
      connectTimeout: source.connectTimeoutMs,
      tlsOptions: source.url.toLowerCase().startsWith("ldaps:") ? tlsOptions : undefined,
      strictDN: false,
    });
    try {
      if (source.startTls) await client.startTLS(tlsOptions ?? {});
      await client.bind(source.bindDn, decryptSecret(source.bindPassword));
    } catch (err) {
      await client.unbind().catch(() => undefined);
      throw ldapError(err, `bind to ${where} as ${source.bindDn}`);
    }
    return new Directory(client, source);
  }

  async close(): Promise<void> {
    await this.client.unbind().catch(() => undefined);
  }

  /**
   * Streams every entry of a subtree search, page by page. A size or time limit, a
   * broken page or a dropped connection throws: the caller must treat the read as
   * incomplete, never as "these are all the entries".
   */
  async *search(base: string, filter: string, attributes: string[], scope: "sub" | "base" = "sub", controls?: Control[]): AsyncGenerator<TLdapEntry> {
    for await (const page of this.searchPages(base, filter, attributes, scope, controls)) yield* page;
  }

  /**
   * The same search a page at a time: a full read of 100,000 entries awaits 100 pages
   * instead of 100,000 entries (each await of an async generator is a promise and a turn
   * of the microtask queue).
   */
  async *searchPages(base: string, filter: string, attributes: string[], scope: "sub" | "base" = "sub", controls?: Control[]): AsyncGenerator<TLdapEntry[]> {
    const explicitBufferAttributes = BINARY_ATTRIBUTES.filter((b) => attributes.some((a) => a.toLowerCase() === b.toLowerCase()));
    try {
      const pages = this.client.searchPaginated(
        base,
        {
          scope,
          filter: parseFilter(filter),
          attributes,
          explicitBufferAttributes,
          paged: scope === "base" ? false : { pageSize: this.source.pageSize },
        },
        controls,
      );
      // the next page is asked for as soon as a page has arrived, so that the directory
      // prepares it while this one is decided and stored (ldapts asks only when the
      // previous page is consumed); at most two pages are held
      const it = pages[Symbol.asyncIterator]();
      let next = it.next();
      try {
        for (;;) {
          const page = await next;
          if (page.done) break;
          next = it.next();
          // a failure of the page asked for ahead is thrown when it is awaited, never left unhandled
          next.catch(() => undefined);
          yield page.value.searchEntries.map(normaliseEntry);
        }
      } finally {
        // a consumer that stopped early (read()) ends the search once the page in flight is in
        await next.then(() => it.return(undefined), () => undefined).catch(() => undefined);
      }
    } catch (err) {
      throw ldapError(err, `search ${filter} under ${base}`);
    }
  }

  /**
   * One search request without paging, for controls that cannot be combined with the
   * paged-results control (DirSync): the control passed in carries the directory's answer.
   */
  async searchOnce(base: string, filter: string, attributes: string[], controls: Control[]): Promise<TLdapEntry[]> {
    const explicitBufferAttributes = BINARY_ATTRIBUTES.filter((b) => attributes.some((a) => a.toLowerCase() === b.toLowerCase()));
    try {
      const { searchEntries } = await this.client.search(base, { scope: "sub", filter: parseFilter(filter), attributes, explicitBufferAttributes }, controls);
      return searchEntries.map(normaliseEntry);
    } catch (err) {
      throw ldapError(err, `search ${filter} under ${base}`);
    }
  }

  /** The root DSE's attributes (namingContexts, highestCommittedUSN, …). */
  async rootDse(attributes: string[]): Promise<TLdapEntry> {
    const e = await this.read("", attributes);
    if (!e) throw new AppError("LDAP_ERROR", `LDAP ${this.source.url}: the root DSE cannot be read`);
    return e;
  }

  /** One entry by DN, or null when it does not exist. */
  async read(dn: string, attributes: string[]): Promise<TLdapEntry | null> {
    try {
      for await (const e of this.search(dn, "(objectClass=*)", attributes, "base")) return e;
      return null;
    } catch (err) {
      if (err instanceof AppError && err.details?.ldapCode === 32) return null;
      throw err;
    }
  }

  /**
   * All values of a multi-valued attribute. Active Directory hands out at most MaxValRange
   * (1,500) values at a time as `member;range=0-1499`; follow the ranges to the end,
   * window by window (`rangeStep`), taking whatever window the directory answers with: a
   * DC with a smaller MaxValRange answers `0-999`, the last window ends in `-*`. (Samba
   * ignores MaxValRange and returns every value to a plain `member`, but answers the
   * windows it is asked for — so Ferry asks for windows: see groupAttributes.)
   */
  async readAllValues(dn: string, attribute: string, first: TLdapEntry, rangeStep = AD_RANGE_STEP): Promise<string[]> {
    const lower = attribute.toLowerCase();
    const direct = first.attrs[lower];
    let key = rangedKeyOf(first, lower);
    if (!key) return direct ?? [];
    const values = [...(first.attrs[key] ?? [])];
    while (!key.endsWith("-*")) {
      const end = Number(key.split("-").pop());
      if (!Number.isFinite(end)) throw new AppError("LDAP_ERROR", `LDAP read ${attribute} of ${dn}: unreadable range ${key}`);
      const next = await this.read(dn, [`${attribute};range=${end + 1}-${end + rangeStep}`]);
      if (!next) throw new AppError("LDAP_ERROR", `LDAP read ${attribute} of ${dn}: the entry went away between two ranges`);
      const nextKey = rangedKeyOf(next, lower);
      // nothing past the last window (a group of exactly n × step values)
      if (!nextKey) break;
      values.push(...(next.attrs[nextKey] ?? []));
      key = nextKey;
    }
    return values;
  }
}

/**
 * Attributes Ferry never keeps, even when the bind account may read them: password
 * hashes and private keys have no business in the provisioning store.
 */
export const NEVER_KEPT = new Set([
  "userpassword",
  "unicodepwd",
  "authpassword",
  "sambantpassword",
  "sambalmpassword",
  "pwdhistory",
  "userpkcs12",
  "ntpwdhistory",
  "lmpwdhistory",
  "supplementalcredentials",
  "dbcspwd",
]);

export function normaliseEntry(entry: Entry): TLdapEntry {
  const attrs: Record<string, string[]> = {};
  // once per attribute of every entry read: no copies where the values already are strings
  for (const name in entry) {
    if (name === "dn") continue;
    const lower = keptName(name);
    if (lower === null) continue;
    const raw = entry[name];
    const list = Array.isArray(raw) ? raw : [raw];
    // ldapts lists requested attributes the entry does not have (even "*") with no values
    if (list.length === 0) continue;
    attrs[lower] = allStrings(list) ? (list as string[]) : list.map((v) => (Buffer.isBuffer(v) ? v.toString("hex") : String(v)));
  }
  return { dn: entry.dn, attrs };
}

/** An attribute's name as kept (lowercased), or null for one never kept: the same few names on every entry, worked out once. */
const keptNames = new Map<string, string | null>();
function keptName(name: string): string | null {
  let kept = keptNames.get(name);
  if (kept === undefined) {
    const lower = name.toLowerCase();
    const semi = lower.indexOf(";");
    kept = NEVER_KEPT.has(semi < 0 ? lower : lower.slice(0, semi)) ? null : lower;
    // names come from the directory's schema (and ranges): bounded, but never grown without limit
    if (keptNames.size < 10_000) keptNames.set(name, kept);
  }
  return kept;
}

function allStrings(list: unknown[]): boolean {
  for (let i = 0; i < list.length; i++) if (typeof list[i] !== "string") return false;
  return true;
}

export function ldapError(err: unknown, what: string): AppError {
  if (err instanceof AppError) return err;
  const e = err as { code?: number | string; message?: string };
  let reason = e?.message ?? String(err);
  if (err instanceof InvalidCredentialsError) reason = "invalid credentials (wrong bind DN or password)";
  else if (err instanceof SizeLimitExceededError) reason = "size limit exceeded: the directory returned only part of the entries";
  else if (err instanceof TimeLimitExceededError) reason = "time limit exceeded: the directory returned only part of the entries";
  else if (err instanceof AdminLimitExceededError) reason = "administrative limit exceeded: the directory returned only part of the entries";
  else if (err instanceof NoSuchObjectError) reason = "no such object (check the base DN)";
  else if (e?.code === "ECONNREFUSED") reason = "connection refused (is the directory running, is the port right?)";
  else if (e?.code === "ENOTFOUND") reason = "host not found";
  else if (typeof e?.message === "string" && /timeout|timed out/i.test(e.message)) reason = `timed out (${e.message})`;
  else if (typeof e?.message === "string" && /filter/i.test(e.message)) reason = `bad LDAP filter: ${e.message}`;
  const ldapCode = err instanceof ResultCodeError ? err.code : undefined;
  return new AppError("LDAP_ERROR", `LDAP ${what}: ${reason}`, { ldapCode }, { cause: err });
}

/** Escapes a value for use inside an LDAP filter (RFC 4515). */
export function escapeFilterValue(v: string): string {
  return v.replace(/[\\*()\0]/g, (c) => "\\" + c.charCodeAt(0).toString(16).padStart(2, "0"));
}
