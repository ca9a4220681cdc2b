// OpenLDAP's change feed: RFC 4533 content synchronisation (slapo-syncprov), refreshOnly,
// with the directory's cookie kept in the store. One sync search of the users' scope
// (base DN + scope filter) from the cookie tells what changed since:
//   - entries sent with state add/modify are in the scope now            -> inScope
//     (with nested groups: every user entry under the base is synced, and
//     the changed ones are read again with the scope filter             -> changed)
//   - a syncIdSet with refreshDeletes, or an entry with state delete: the entry was
//     deleted or no longer matches the scope (moved out of the base, left the group, its
//     filter attributes changed) — syncprov's session log remembers both -> gone,
//     once a search with the scope filter confirms it (syncprov matches the stored
//     entry, which lacks what the directory computes, like a dynlist memberOf)
//   - a refresh the server answers with the present phase (the cookie is older than its
//     session log): every entry still in the scope is listed, sent or "present"; what
//     the store has in scope and is not listed is gone                  -> present
//   - e-syncRefreshRequired (4096), or a cookie the server ignored (it sent its whole
//     content as for a first sync)                                        -> FeedResetError
// Whether a gone entry was deleted or only left the scope is told by looking its
// entryUUID up in the naming context (a few at a time, as a full read does).
//
// With nested groups the scope depends on groups whose changes touch no user entry: a
// second sync search over the groups reports any change there as scopeChanged, and the
// cycle reads the scope again (GUIDs only).
//
// The cookie stored is JSON {v:1, users, groups?}, each an RFC 4533 cookie in base64.
// A directory without syncprov (the Sync Request control refused) under `auto`: the
// cookie says {v:1, fallback:"timestamp"} and reads are the timestamp feed's, until the
// next full read asks the directory again. Named explicitly (changeCapture "syncrepl"),
// the feed refuses to start instead.
import { abortableSleep } from "../../abortable-sleep.ts";
import type { TChangeBatch, TChangeFeed, TFeedRequest } from "../change-feed.ts";
import { FeedResetError, guidFilter } from "../change-feed.ts";
import type { TLdapEntry } from "../directory.ts";
import { E_SYNC_REFRESH_REQUIRED, type TSyncInfo } from "../rfc4533.ts";
import { SyncConnection, type TSyncEvent } from "../sync-search.ts";
import { guidOf } from "../scope.ts";
import type { TSource } from "../../channel-config/stored.ts";
import { AppError } from "../../errors.ts";
import { timestampFeed } from "./timestamp.ts";

const BATCH = 500;
/** matches no entry: a sync search with it only returns the server's current cookie */
const NOTHING = "(!(objectClass=*))";

type TCookie = { v: 1; users: string; groups?: string } | { v: 1; fallback: "timestamp" };
type TDecoded = { users: Buffer; groups?: Buffer } | { fallback: "timestamp" };

const FALLBACK = JSON.stringify({ v: 1, fallback: "timestamp" });

/** The directory does not offer content synchronisation here (no syncprov on this database). */
class SyncUnavailable extends Error {}

export function encodeCookie(c: { users: Buffer; groups?: Buffer }): string {
  const out: TCookie = { v: 1, users: c.users.toString("base64") };
  if (c.groups) out.groups = c.groups.toString("base64");
  return JSON.stringify(out);
}

/** The stored cookie, or a FeedResetError when it is not one this feed wrote. */
export function decodeCookie(s: string): TDecoded {
  let parsed: unknown;
  try {
    parsed = JSON.parse(s);
  } catch {
    throw new FeedResetError("the stored content sync cookie is unreadable");
  }
  const c = parsed as { v?: unknown; users?: unknown; groups?: unknown; fallback?: unknown } | null;
  if (c?.v === 1 && c.fallback === "timestamp") return { fallback: "timestamp" };
  if (!c || c.v !== 1 || typeof c.users !== "string" || (c.groups !== undefined && typeof c.groups !== "string")) {
    throw new FeedResetError("the stored content sync cookie is not one this version wrote");
  }
  const users = Buffer.from(c.users, "base64");
  // OpenLDAP's cookies name a CSN; one without is not from a syncprov provider
  if (!/csn=/.test(users.toString("latin1"))) throw new FeedResetError("the stored content sync cookie names no CSN");
  return { users, groups: typeof c.groups === "string" ? Buffer.from(c.groups, "base64") : undefined };
}

/** Does the channel's scope depend on groups whose changes leave the user entries alone? */
function watchesGroups(source: TSource): boolean {
  return Boolean(source.groupDn && source.nestedGroups);
}

function groupsBase(source: TSource): string {
  return source.groupBaseDn ?? source.baseDn;
}

const GROUPS_FILTER = "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=groupOfURLs))";

/** Runs one refreshOnly search to its end; returns the server's new cookie (null: unchanged). */
async function refresh(
  conn: SyncConnection,
  opts: { base: string; filter: string; attributes: string[]; cookie?: Buffer },
  on: (ev: TSyncEvent) => Promise<void>,
): Promise<{ cookie: Buffer | null; presentPhase: boolean; events: number }> {
  let cookie: Buffer | null = null;
  let events = 0;
  for await (const ev of conn.search({ base: opts.base, filter: opts.filter, attributes: opts.attributes, request: { mode: "refreshOnly", cookie: opts.cookie } })) {
    if (ev.type === "done") {
      if (ev.resultCode === E_SYNC_REFRESH_REQUIRED) throw new FeedResetError(`the directory asks for a full refresh (e-syncRefreshRequired): ${ev.message || "cookie too old"}`);
      // 12 unavailableCriticalExtension: the Sync Request control is unknown here
      if (ev.resultCode === 12 || (ev.resultCode === 0 && !ev.done && !opts.cookie)) {
        throw new SyncUnavailable(`the directory does not offer content synchronisation under ${opts.base} (result ${ev.resultCode}${ev.message ? `: ${ev.message}` : ""}); is slapo-syncprov configured?`);
      }
      if (ev.resultCode !== 0) {
        throw new FeedResetError(`content sync search under ${opts.base} failed with result ${ev.resultCode}${ev.message ? `: ${ev.message}` : ""}`);
      }
      if (!ev.done) throw new FeedResetError("the directory answered a content sync search without a Sync Done control (is syncprov configured?)");
      cookie = ev.done.cookie ?? null;
      if (opts.cookie && events > 0 && !cookie) {
        // it sent entries but no cookie: it did not continue from ours (a first sync's answer)
        throw new FeedResetError("the directory did not continue from the stored cookie");
      }
      return { cookie, presentPhase: Boolean(opts.cookie) && !ev.done.refreshDeletes, events };
    }
    events++;
    await on(ev);
  }
  throw new FeedResetError("the content sync search ended without a result");
}

export const syncreplFeed: TChangeFeed = {
  kind: "syncrepl",

  /**
   * A content sync from the cookie reports every user entry written since (a member added
   * to or removed from the provisioning group gets its memberOf, and a new CSN, from
   * slapo-memberof), deletions and entries that left the scope included: when the
   * provisioning group changed, the changes and a GUID-only read of the scope are enough,
   * not a full read of every user (at 100,000 users a full read is 7-17 s, and it came
   * with every add to and removal from the group, and with every delete through refint).
   * Not for the timestamp fallback.
   */
  seesEveryWrite(cookie: string): boolean {
    try {
      return !("fallback" in decodeCookie(cookie));
    } catch {
      return false;
    }
  },

  async start(req: TFeedRequest): Promise<string> {
    if (req.source.guidAttribute.toLowerCase() !== "entryuuid") {
      // syncprov names entries by entryUUID: the store must know them by it
      if (req.source.changeCapture === "auto") return FALLBACK;
      throw new AppError("INVALID_CONFIG", `change capture "syncrepl" needs guidAttribute entryUUID (the channel's is ${req.source.guidAttribute})`);
    }
    const conn = await SyncConnection.open(req.source);
    try {
      const { cookie } = await refresh(conn, { base: req.source.baseDn, filter: NOTHING, attributes: ["1.1"] }, async () => undefined);
      if (!cookie) throw new SyncUnavailable(`the directory at ${req.source.url} gave no content sync cookie (is slapo-syncprov configured on ${req.source.baseDn}?)`);
      return encodeCookie({ users: cookie, groups: watchesGroups(req.source) ? cookie : undefined });
    } catch (err) {
      if (!(err instanceof SyncUnavailable)) throw err;
      if (req.source.changeCapture === "auto") return FALLBACK;
      throw new AppError("LDAP_ERROR", `change capture "syncrepl": ${err.message}`);
    } finally {
      await conn.close();
    }
  },

  async read(req: TFeedRequest, stored: string, onBatch: (b: TChangeBatch) => Promise<void>): Promise<string> {
    const { source } = req;
    const prev = decodeCookie(stored);
    if ("fallback" in prev) {
      if (!req.since) throw new FeedResetError("no attribute-sync timestamp to read changes from");
      await timestampFeed.read(req, req.since, onBatch);
      return FALLBACK;
    }
    const conn = await SyncConnection.open(source);
    try {
      // nested: the scope depends on memberOf values the directory computes (slapo-dynlist),
      // which syncprov does not see on the stored entry; sync every user entry under the
      // base instead, and have the cycle read the changed ones with the scope filter
      const nested = watchesGroups(source);
      let inScope: TLdapEntry[] = [];
      let changed: string[] = [];
      let gone: string[] = [];
      // every entry the refresh listed (they exist): for a present phase, and for the groups' refresh below
      const listed = new Set<string>();
      const flush = async (force: boolean) => {
        if (inScope.length >= BATCH || (force && inScope.length > 0)) {
          const b = inScope;
          inScope = [];
          await onBatch({ inScope: b });
        }
        if (changed.length >= BATCH || (force && changed.length > 0)) {
          const c = changed;
          changed = [];
          await onBatch({ changed: c });
        }
        if (gone.length >= BATCH || (force && gone.length > 0)) {
          const g = gone;
          gone = [];
          const placed = await placeGone(req, g);
          if (placed.inScope.length > 0) await onBatch({ inScope: placed.inScope });
          if (placed.gone.length > 0) await onBatch({ gone: placed.gone });
        }
      };
      const onInfo = (info: TSyncInfo) => {
        if (info.kind !== "syncIdSet") return;
        if (info.refreshDeletes) gone.push(...info.uuids);
        else for (const u of info.uuids) listed.add(u);
      };
      const search = nested
        ? { base: source.baseDn, filter: source.userObjectFilter, attributes: ["1.1"], cookie: prev.users }
        : { base: source.baseDn, filter: req.filter, attributes: req.attributes, cookie: prev.users };
      const usersDone = await refresh(conn, search, async (ev) => {
        if (ev.type === "entry") {
          const uuid = ev.state?.entryUUID ?? guidOf(ev.entry, source);
          if (!uuid) return;
          const state = ev.state?.state ?? "add";
          if (state === "delete") gone.push(uuid);
          else {
            listed.add(uuid);
            if (state !== "present") {
              if (nested) changed.push(uuid);
              else inScope.push(ev.entry);
            }
          }
        } else if (ev.type === "info") onInfo(ev.info);
        await flush(false);
      });
      await flush(true);
      if (usersDone.presentPhase) {
        // the directory listed everything still in the scope
        await onBatch({ present: listed });
      }

      let groupsCookie = prev.groups;
      if (watchesGroups(source)) {
        if (!prev.groups) throw new FeedResetError("the stored cookie has no place for the groups (nested groups were switched on)");
        let changed = false;
        const groups = await refresh(conn, { base: groupsBase(source), filter: GROUPS_FILTER, attributes: ["1.1"], cookie: prev.groups }, async (ev) => {
          if (ev.type === "entry" && ev.state?.state !== "present") changed = true;
          // slapo-syncprov's session log names entries modified since the cookie that do not
          // match this search as deleted: a user edited anywhere. A user entry the users'
          // refresh listed exists, and is no group of the scope gone
          if (ev.type === "info" && ev.info.kind === "syncIdSet" && ev.info.refreshDeletes && ev.info.uuids.some((u) => !listed.has(u))) changed = true;
        });
        // a present phase over the groups lists the groups but cannot say which changed
        if (changed || groups.presentPhase) await onBatch({ scopeChanged: true });
        groupsCookie = groups.cookie ?? prev.groups;
      }
      return encodeCookie({ users: usersDone.cookie ?? prev.users, groups: watchesGroups(source) ? groupsCookie : undefined });
    } finally {
      await conn.close();
    }
  },

  watch,
};

/** How often a channel in push mode whose directory has no syncprov asks for a cycle. */
const FALLBACK_POLL_MS = 5_000;

/**
 * Push mode: refreshAndPersist searches (the users', and the groups' with nested groups),
 * each on its own connection, from the stored cookie. Their refresh phase reports what
 * changed since that cookie (a cycle is due at once), their persist phase every change
 * after. Entries are asked for with no attributes: the cycle reads them. Returns when
 * `signal` aborts; throws when a connection is lost or the directory ends a search
 * (FeedResetError for e-syncRefreshRequired), for the caller to reconnect.
 */
async function watch(req: TFeedRequest, stored: string, signal: AbortSignal, onChange: () => void): Promise<void> {
  const { source } = req;
  const prev = decodeCookie(stored);
  if ("fallback" in prev) {
    // no syncprov: poll the timestamp feed through short cycles
    while (!signal.aborted) {
      // its listener removed each time: a watch runs for days
      await abortableSleep(FALLBACK_POLL_MS, signal);
      if (!signal.aborted) onChange();
    }
    return;
  }
  const nested = watchesGroups(source);
  const searches: Array<{ base: string; filter: string; cookie: Buffer | undefined }> = [{ base: source.baseDn, filter: nested ? source.userObjectFilter : req.filter, cookie: prev.users }];
  if (nested) {
    if (!prev.groups) throw new FeedResetError("the stored cookie has no place for the groups (nested groups were switched on)");
    searches.push({ base: groupsBase(source), filter: GROUPS_FILTER, cookie: prev.groups });
  } else if (source.groupDn) {
    // A user joining or leaving the provisioning group: slapo-memberof writes the user's
    // memberOf in an internal operation that syncprov's persist phase does not see (the
    // user entered or left the scope, and the persistent search says nothing; a refresh
    // from the cookie does see it, through the entry's CSN). The write to the group entry
    // itself is seen: watch it too. Measured with `npm run bench -- --latency`: without
    // this, an add to the group waited for the channel's period. Without a cookie: its
    // refresh sends the one entry (one more incremental cycle per connect), and a cookie
    // that the group's database (if not the users') refused could never ask for a full read.
    searches.push({ base: source.groupDn, filter: "(objectClass=*)", cookie: undefined });
  }
  // one search failing ends the others: the caller reconnects them together
  const local = new AbortController();
  const stop = () => local.abort();
  signal.addEventListener("abort", stop, { once: true });
  try {
    await Promise.all(
      searches.map(async (s) => {
        try {
          const conn = await SyncConnection.open(source);
          try {
            for await (const ev of conn.search({ base: s.base, filter: s.filter, attributes: ["1.1"], request: { mode: "refreshAndPersist", cookie: s.cookie }, signal: local.signal })) {
              if (ev.type === "entry" && ev.state?.state !== "present") onChange();
              else if (ev.type === "info" && ev.info.kind === "syncIdSet" && ev.info.refreshDeletes && ev.info.uuids.length > 0) onChange();
              else if (ev.type === "done") {
                if (ev.resultCode === E_SYNC_REFRESH_REQUIRED) throw new FeedResetError("the directory asks for a full refresh (e-syncRefreshRequired)");
                throw new AppError("LDAP_ERROR", `the directory ended the persistent content sync search under ${s.base} (result ${ev.resultCode}${ev.message ? `: ${ev.message}` : ""})`);
              }
            }
          } finally {
            await conn.close();
          }
        } catch (err) {
          local.abort();
          throw err;
        }
      }),
    );
  } finally {
    signal.removeEventListener("abort", stop);
  }
}

/**
 * Entries syncprov says are gone, checked with the scope filter first: syncprov matches the
 * stored entry, and an attribute the directory computes (a dynlist memberOf) is not on it,
 * so an entry it calls gone may still be in the scope. Those are returned as in scope.
 */
async function placeGone(req: TFeedRequest, uuids: string[]): Promise<{ inScope: TLdapEntry[]; gone: Array<{ guid: string; deleted: boolean }> }> {
  const inScope: TLdapEntry[] = [];
  const found = new Set<string>();
  for (let i = 0; i < uuids.length; i += 200) {
    const chunk = uuids.slice(i, i + 200);
    for await (const e of req.dir.search(req.source.baseDn, `(&${req.filter}${guidFilter(req.source, chunk)})`, req.attributes)) {
      const g = guidOf(e, req.source);
      if (g) found.add(g);
      inScope.push(e);
    }
  }
  return { inScope, gone: await tellDeleted(req, uuids.filter((u) => !found.has(u.toLowerCase()))) };
}

/**
 * Gone entries as the cycle records them: deleted when the entry no longer exists
 * anywhere in the directory's naming context, else out of the scope. Looked up for up to
 * 200 at a time; beyond that they are all "out of the scope" (what the guard decides on is the same).
 */
async function tellDeleted(req: TFeedRequest, uuids: string[]): Promise<Array<{ guid: string; deleted: boolean }>> {
  const { dir, source } = req;
  if (uuids.length === 0) return [];
  if (uuids.length > 200) return uuids.map((guid) => ({ guid, deleted: false }));
  const root = await namingContext(req);
  const still = new Set<string>();
  for (let i = 0; i < uuids.length; i += 50) {
    for await (const e of dir.search(root, guidFilter(source, uuids.slice(i, i + 50)), [source.guidAttribute])) {
      const g = guidOf(e, source);
      if (g) still.add(g);
    }
  }
  return uuids.map((guid) => ({ guid, deleted: !still.has(guid.toLowerCase()) }));
}

async function namingContext(req: TFeedRequest): Promise<string> {
  const base = req.source.baseDn.toLowerCase().replace(/\s*,\s*/g, ",");
  const root = await req.dir.read("", ["namingContexts"]);
  const contexts = root?.attrs["namingcontexts"] ?? [];
  return contexts.find((c) => base.endsWith(c.toLowerCase().replace(/\s*,\s*/g, ","))) ?? req.source.baseDn;
}
