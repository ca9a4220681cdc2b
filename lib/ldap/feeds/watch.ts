// What the push-mode watches of the 389-DS and Active Directory feeds share: long-running
// searches (389-DS's persistent search, AD's change notification), each on its own
// connection (lib/ldap/sync-search.ts speaks the protocol; ldapts cannot stream a search
// that never ends), and the short poll a watch falls back to where the directory refuses
// them. A watch only says *that* something changed; the cycle it triggers reads what.
import { abortableSleep } from "../../abortable-sleep.ts";
import type { Control } from "ldapts";
import type { TSource } from "../../channel-config/stored.ts";
import { AppError } from "../../errors.ts";
import type { TChangeBatch, TChangeFeed, TFeedRequest } from "../change-feed.ts";
import type { TLdapEntry } from "../directory.ts";
import { SyncConnection } from "../sync-search.ts";

export type TWatchedSearch = { base: string; scope: "base" | "one" | "sub"; filter: string; attributes: string[]; controls: () => Control[] };

/** The directory refused the control itself (unknown, or not allowed here): the watch polls instead. */
export class WatchRefused extends Error {}

/** LDAP results with which a directory refuses a persistent search or a notification request. */
const REFUSED = new Set([2 /* protocolError */, 12 /* unavailableCriticalExtension */, 53 /* unwillingToPerform */]);

/**
 * Runs the searches, each on its own connection, until `signal` aborts (then returns) or
 * one of them ends: a lost connection, a directory restart, a search the server ended —
 * thrown, and the other searches are closed, for the caller to reconnect them together.
 * A search the server refuses outright throws WatchRefused. `onEntry` gets every entry
 * any of them returns.
 */
export async function runWatches(source: TSource, searches: TWatchedSearch[], signal: AbortSignal, onEntry: (entry: TLdapEntry, search: TWatchedSearch) => void): Promise<void> {
  const local = new AbortController();
  const stop = () => local.abort();
  if (signal.aborted) return;
  signal.addEventListener("abort", stop, { once: true });
  try {
    await Promise.all(
      searches.map(async (s) => {
        try {
          const conn = await SyncConnection.open(source);
          try {
            for await (const ev of conn.search({ base: s.base, scope: s.scope, filter: s.filter, attributes: s.attributes, controls: s.controls(), persist: true, signal: local.signal })) {
              if (ev.type === "entry") onEntry(ev.entry, s);
              else if (ev.type === "done") {
                const what = `the directory ended the watch under ${s.base} (result ${ev.resultCode}${ev.message ? `: ${ev.message}` : ""})`;
                if (REFUSED.has(ev.resultCode)) throw new WatchRefused(what);
                throw new AppError("LDAP_ERROR", what);
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

/** Calls `tick` every `ms` until `signal` aborts; a tick that throws ends the poll (the caller reconnects). */
export async function pollUntilAborted(ms: number, signal: AbortSignal, tick: () => Promise<void>): Promise<void> {
  while (!signal.aborted) {
    await abortableSleep(ms, signal);
    if (!signal.aborted) await tick();
  }
}

/** Whether a batch a feed reported names anything for the cycle to do. */
export function batchSaysChanged(b: TChangeBatch): boolean {
  return Boolean(b.inScope?.length || b.changed?.length || b.gone?.length || b.scopeChanged || b.present);
}

/**
 * Push mode by polling the feed itself: every `ms`, the feed's read() from where the
 * last tick left it (the stored cookie at first; kept here, never stored — the cycle
 * stores its own), and `onChange` only when it reported something. A tick reads the
 * feed's change records (changelog entries, changed objects' GUIDs), never the users: a
 * cycle is asked for only when there is something for it. `unchanged` (optional) is a
 * cheaper look first (a root DSE counter): true skips the read. A FeedResetError from the
 * read is thrown: the caller asks for a cycle, which reads everything.
 */
export async function pollFeed(
  feed: Pick<TChangeFeed, "read">,
  req: TFeedRequest,
  cookie: string,
  ms: number,
  signal: AbortSignal,
  onChange: () => void,
  unchanged?: (cookie: string) => Promise<boolean>,
): Promise<void> {
  let at = cookie;
  const tick = async () => {
    if (unchanged && (await unchanged(at))) return;
    let seen = false;
    at = await feed.read(req, at, async (b) => {
      if (batchSaysChanged(b)) seen = true;
    });
    if (seen) onChange();
  };
  // what changed since the stored cookie (while no watch was up) is reported at once
  await tick();
  await pollUntilAborted(ms, signal, tick);
}
