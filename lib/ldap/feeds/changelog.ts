// 389 Directory Server's retro changelog (`cn=changelog`, the Retro Changelog plugin):
// one entry per write, numbered by `changeNumber`, with the target's DN, the change type
// (add, modify, delete, modrdn) and — when the plugin is configured with
// `nsslapd-attribute: nsuniqueid:targetUniqueId` — the target's nsUniqueId, Ferry's GUID
// for 389-DS. What it sees that timestamps do not: a deleted user (its entry is gone, its
// delete is in the changelog), a user moved or renamed out of the base (a modrdn whose
// old DN was in the base), any write to a group that decides the scope.
//
// What it reports: deletes under the base -> gone (deleted); adds, modifies and modrdns
// that touch the base -> changed (the cycle reads them again by GUID with the scope
// filter: not found means they left it); a write to the provisioning group or under the
// group base -> scopeChanged (the scope is read again, GUIDs only).
//
// The cookie is the last changeNumber read, as a decimal string. The changelog is read a
// window of WINDOW change numbers at a time (each window a paged search), so memory stays
// bounded however far behind the cookie is. A cookie the changelog cannot continue from
// is a FeedResetError (the cycle reads everything): below firstchangenumber - 1, or the
// change after it no longer there (trimmed past it: nsslapd-changelogmaxage), above lastchangenumber (the changelog was recreated,
// or another server answered), or a changelog without targetUniqueId (deletions could
// not be told apart).
//
// A server without the plugin, or a bind account that may not read cn=changelog, is not
// an error: the feed follows modification timestamps instead (cookie "timestamp"), as the
// timestamp feed does, and looks for the changelog again at each full read; "Test
// connection" says so (ds-diagnose.ts).
import { PersistentSearchControl } from "ldapts";
import type { TChangeBatch, TChangeFeed, TFeedRequest } from "../change-feed.ts";
import { FeedResetError } from "../change-feed.ts";
import type { TLdapEntry } from "../directory.ts";
import { firstValue } from "../scope.ts";
import { timestampFeed } from "./timestamp.ts";
import { pollFeed, pollUntilAborted, runWatches, WatchRefused, type TWatchedSearch } from "./watch.ts";

const CHANGELOG = "cn=changelog";
/** change numbers per search window; each window's changes are reported as one or more batches */
const WINDOW = 1000;
const BATCH = 500;

async function changelogRange(req: TFeedRequest): Promise<{ first: bigint; last: bigint } | null> {
  const root = await req.dir.rootDse(["changelog", "firstchangenumber", "lastchangenumber"]);
  const first = firstValue(root, "firstchangenumber");
  const last = firstValue(root, "lastchangenumber");
  if (!firstValue(root, "changelog") || !first || !last || !/^\d+$/.test(first) || !/^\d+$/.test(last)) return null;
  return { first: BigInt(first), last: BigInt(last) };
}

/** `dn` equals `base` or lies under it (DNs compared lower-cased, spaces after commas ignored). */
export function dnWithin(dn: string | undefined, base: string | undefined): boolean {
  if (!dn || !base) return false;
  const norm = (s: string) => s.toLowerCase().replace(/,\s+/g, ",").trim();
  const d = norm(dn);
  const b = norm(base);
  return d === b || d.endsWith(`,${b}`);
}

export type TChangelogEntry = { changeNumber: bigint; changeType: string; targetDn?: string; newSuperior?: string; targetUniqueId?: string };

/**
 * What a window of changelog entries means for the channel's scope. Pure: the feed's
 * rules, unit-tested. The last word on an entry wins (modified, then deleted: gone).
 */
export function classifyChanges(
  entries: TChangelogEntry[],
  source: { baseDn: string; groupDn?: string | null; groupBaseDn?: string | null },
): { changed: string[]; gone: Array<{ guid: string; deleted: boolean }>; scopeChanged: boolean; withoutId: number } {
  const last = new Map<string, "changed" | "deleted">();
  let scopeChanged = false;
  let withoutId = 0;
  for (const e of [...entries].sort((a, b) => (a.changeNumber < b.changeNumber ? -1 : a.changeNumber > b.changeNumber ? 1 : 0))) {
    const type = e.changeType.toLowerCase();
    const inBase = dnWithin(e.targetDn, source.baseDn);
    const intoBase = type === "modrdn" && dnWithin(e.newSuperior, source.baseDn);
    if (source.groupDn && (dnWithin(e.targetDn, source.groupDn) || dnWithin(e.targetDn, source.groupBaseDn ?? undefined))) scopeChanged = true;
    if (!inBase && !intoBase) continue;
    const id = e.targetUniqueId?.toLowerCase();
    if (!id) {
      withoutId++;
      continue;
    }
    last.set(id, type === "delete" ? "deleted" : "changed");
  }
  const changed: string[] = [];
  const gone: Array<{ guid: string; deleted: boolean }> = [];
  for (const [guid, what] of last) {
    if (what === "deleted") gone.push({ guid, deleted: true });
    else changed.push(guid);
  }
  return { changed, gone, scopeChanged, withoutId };
}

/**
 * Why this bind account cannot follow the changelog, or null when it can: the server has
 * none (the plugin is off), or the account cannot read its entries (no ACI on cn=changelog).
 */
export async function changelogUnavailable(req: Pick<TFeedRequest, "dir">): Promise<string | null> {
  const range = await changelogRange(req as TFeedRequest);
  if (!range) return "the directory has no retro changelog (the root DSE names no lastchangenumber: the Retro Changelog plugin is off)";
  if (range.last === 0n) return null;
  if (!(await req.dir.read(`changeNumber=${range.last},${CHANGELOG}`, ["changeNumber"]))) {
    return `the bind account cannot read the retro changelog's entries (change ${range.last} is not visible to it: grant it read and search on cn=changelog)`;
  }
  return null;
}

/** The cookie of a channel whose directory (or bind account) has no usable changelog: it follows timestamps. */
const TIMESTAMP_COOKIE = "timestamp";

/** The feed; `window` change numbers per search (smaller only in tests, to cross windows with a few changes). */
export function makeChangelogFeed({ window = WINDOW }: { window?: number } = {}): TChangeFeed {
  const feed: TChangeFeed = {
    kind: "changelog",
    seesEveryWrite: (cookie) => /^\d+$/.test(cookie),
    async start(req: TFeedRequest): Promise<string> {
      // without a readable changelog the channel follows modification timestamps (and says why
      // in "Test connection"); the next full read looks for the changelog again
      if (await changelogUnavailable(req)) return TIMESTAMP_COOKIE;
      const range = await changelogRange(req);
      return range ? String(range.last) : TIMESTAMP_COOKIE;
    },
    async read(req: TFeedRequest, cookie: string, onBatch: (b: TChangeBatch) => Promise<void>): Promise<string> {
      if (cookie === TIMESTAMP_COOKIE) {
        if (!(await changelogUnavailable(req))) throw new FeedResetError("the retro changelog is readable now: one full read, then it is followed");
        if (!req.since) throw new FeedResetError("no attribute-sync timestamp to follow");
        await timestampFeed.read(req, req.since, onBatch);
        return TIMESTAMP_COOKIE;
      }
      if (!/^\d+$/.test(cookie)) throw new FeedResetError(`the stored changelog cookie "${cookie.slice(0, 40)}" is not a change number`);
      const since = BigInt(cookie);
      // taken before the reads: what is written while they run is read next time
      const range = await changelogRange(req);
      if (!range) throw new FeedResetError("the directory's retro changelog is gone (the root DSE names no lastchangenumber)");
      if (range.last < since) throw new FeedResetError(`the changelog ends at change ${range.last}, before the stored ${since}: it was recreated, or another server answered`);
      if (range.last === since) return cookie;
      // an empty changelog (everything trimmed) says first = last + 1 or first = 0; only a gap counts
      if (range.first > since + 1n) throw new FeedResetError(`the changelog was trimmed past the stored change ${since} (it starts at ${range.first})`);
      // the root DSE's firstchangenumber lags behind entries deleted from cn=changelog: the
      // change right after the cookie must still be there (change numbers have no gaps; a
      // lost one only costs a full read)
      if (!(await req.dir.read(`changeNumber=${since + 1n},${CHANGELOG}`, ["changeNumber"]))) {
        throw new FeedResetError(
          `the changelog does not show change ${since + 1n}, the one after the stored ${since}: it was trimmed, or the bind account may not read cn=changelog`,
        );
      }

      const attrs = ["changeNumber", "changeType", "targetDn", "newSuperior", "targetUniqueId"];
      const { source } = req;
      const step = BigInt(window);
      for (let from = since + 1n; from <= range.last; from += step) {
        const to = from + step - 1n < range.last ? from + step - 1n : range.last;
        const entries: TChangelogEntry[] = [];
        for await (const e of req.dir.search(CHANGELOG, `(&(changeNumber>=${from})(changeNumber<=${to}))`, attrs)) {
          const n = firstValue(e, "changeNumber");
          if (!n || !/^\d+$/.test(n)) continue;
          entries.push({
            changeNumber: BigInt(n),
            changeType: firstValue(e, "changeType") ?? "",
            targetDn: firstValue(e, "targetDn"),
            newSuperior: firstValue(e, "newSuperior"),
            targetUniqueId: firstValue(e, "targetUniqueId"),
          });
        }
        const c = classifyChanges(entries, source);
        if (c.withoutId > 0) {
          throw new FeedResetError(
            `the changelog records no targetUniqueId for ${c.withoutId} change(s) under the base: configure the Retro Changelog plugin with "nsslapd-attribute: nsuniqueid:targetUniqueId"`,
          );
        }
        for (let i = 0; i < c.changed.length; i += BATCH) await onBatch({ changed: c.changed.slice(i, i + BATCH) });
        for (let i = 0; i < c.gone.length; i += BATCH) await onBatch({ gone: c.gone.slice(i, i + BATCH) });
        if (c.scopeChanged) await onBatch({ scopeChanged: true });
      }
      return String(range.last);
    },
    watch: (req, cookie, signal, onChange) => watchChangelog(feed, req, cookie, signal, onChange),
  };
  return feed;
}

/** How often push mode polls where the directory refuses a persistent search: the changelog (or the modification timestamps) is read, not the users. */
const POLL_MS = 1_000;
const TIMESTAMP_POLL_MS = 5_000;
/** by then a persistent search the watch sent is registered (389-DS answers in milliseconds) */
const GAP_CHECK_MS = 1_000;
/** What a persistent search over cn=changelog asks for of each new changelog entry: enough to classify it. */
const WATCH_ATTRS = ["changeNumber", "changeType", "targetDn", "newSuperior", "targetUniqueId"];

/** The Netscape persistent search control (2.16.840.1.113730.3.4.3): every kind of change, new ones only. */
function psearch() {
  // changeTypes add 1 | delete 2 | modify 4 | modDN 8; no Entry Change Notification controls (the entry itself says enough)
  return [new PersistentSearchControl({ critical: true, value: { changeTypes: 15, changesOnly: true, returnECs: false } })];
}

/**
 * Push mode: a persistent search (389-DS answers it out of the box: measured on 2.3)
 * over cn=changelog, new entries only. Each new changelog entry is classified as read()
 * would (classifyChanges): a write under the base or to the provisioning group asks for a
 * cycle, writes elsewhere in the directory do not. A write to the group (an add or a
 * removal) is its own changelog entry, so no second search is needed (memberOf's
 * internal writes to the users are logged too). What changed between the stored cookie
 * and the search's start (the watcher was down) asks for a cycle at once.
 *
 * Without a readable changelog (cookie "timestamp"): persistent searches over the base
 * and the provisioning group (or the group base) instead, any entry asking for a cycle.
 * A directory that refuses the persistent search: the feed is polled every second
 * (pollFeed: the changelog's new entries, not the users); without a changelog either, a
 * cycle is asked for every 5 s.
 */
async function watchChangelog(feed: TChangeFeed, req: TFeedRequest, cookie: string, signal: AbortSignal, onChange: () => void): Promise<void> {
  const { source } = req;
  let searches: TWatchedSearch[];
  let relevant: (e: TLdapEntry) => boolean;
  let gapCheck: NodeJS.Timeout | undefined;
  if (cookie === TIMESTAMP_COOKIE) {
    searches = [{ base: source.baseDn, scope: "sub", filter: "(objectClass=*)", attributes: ["1.1"], controls: psearch }];
    if (source.groupDn) searches.push({ base: source.groupDn, scope: "base", filter: "(objectClass=*)", attributes: ["1.1"], controls: psearch });
    if (source.groupBaseDn && !dnWithin(source.groupBaseDn, source.baseDn)) {
      searches.push({ base: source.groupBaseDn, scope: "sub", filter: "(objectClass=*)", attributes: ["1.1"], controls: psearch });
    }
    relevant = () => true;
    // what was written just before the searches were registered has no number to compare: one cycle
    onChange();
  } else {
    if (!/^\d+$/.test(cookie)) throw new FeedResetError(`the stored changelog cookie "${cookie.slice(0, 40)}" is not a change number`);
    const range = await changelogRange(req);
    if (!range) throw new FeedResetError("the directory's retro changelog is gone (the root DSE names no lastchangenumber)");
    // written while no watch was up: the cycle reads it (a cookie ahead of the changelog: its read resets)
    if (range.last !== BigInt(cookie)) onChange();
    searches = [{ base: CHANGELOG, scope: "one", filter: "(objectClass=*)", attributes: WATCH_ATTRS, controls: psearch }];
    // a write between that look and the search's registration is in neither: once the search
    // surely stands, a changelog that grew past `range.last` below the first change the search
    // sent asks for a cycle
    let lowestSeen: bigint | null = null;
    gapCheck = setTimeout(() => {
      void changelogRange(req)
        .then((now) => {
          if (now && (lowestSeen ?? now.last + 1n) - 1n > range.last) onChange();
        })
        .catch(() => onChange());
    }, GAP_CHECK_MS);
    relevant = (e) => {
      const n = firstValue(e, "changeNumber");
      if (n && /^\d+$/.test(n) && (lowestSeen === null || BigInt(n) < lowestSeen)) lowestSeen = BigInt(n);
      const c = classifyChanges(
        [
          {
            changeNumber: 0n,
            changeType: firstValue(e, "changeType") ?? "",
            targetDn: firstValue(e, "targetDn"),
            newSuperior: firstValue(e, "newSuperior"),
            targetUniqueId: firstValue(e, "targetUniqueId"),
          },
        ],
        source,
      );
      // an entry without targetUniqueId under the base: the cycle's read says what is wrong
      return c.changed.length > 0 || c.gone.length > 0 || c.scopeChanged || c.withoutId > 0;
    };
  }
  try {
    await runWatches(source, searches, signal, (e) => {
      if (relevant(e)) onChange();
    });
  } catch (err) {
    if (!(err instanceof WatchRefused) || signal.aborted) throw err;
    // timestamps cannot say "nothing since the last look" (each read starts at the stored
    // attribute-sync timestamp): short cycles, as push mode without a watch
    if (cookie === TIMESTAMP_COOKIE) return pollUntilAborted(TIMESTAMP_POLL_MS, signal, async () => onChange());
    await pollFeed(feed, req, cookie, POLL_MS, signal, onChange, async (at) => {
      const r = await changelogRange(req);
      return r !== null && r.last === BigInt(at);
    });
  } finally {
    clearTimeout(gapCheck);
  }
}

export const changelogFeed: TChangeFeed = makeChangelogFeed();
