// Which change feed a channel's incremental cycles use: the one its source names, or for
// `auto` the best its directory type offers. A mechanism is listed here once it is built.
import type { TSource } from "../channel-config/stored.ts";
import type { TChangeCaptureKind, TChangeFeed } from "./change-feed.ts";
import { changelogFeed } from "./feeds/changelog.ts";
import { dirsyncFeed } from "./feeds/dirsync.ts";
import { syncreplFeed } from "./feeds/syncrepl.ts";
import { timestampFeed } from "./feeds/timestamp.ts";
import { usnFeed } from "./feeds/usn.ts";

const FEEDS: Partial<Record<TChangeCaptureKind, TChangeFeed>> = {
  timestamp: timestampFeed,
  dirsync: dirsyncFeed,
  usn: usnFeed,
  syncrepl: syncreplFeed,
  changelog: changelogFeed,
};

/** What `auto` means per directory type, best first; the first one built is used. */
const AUTO: Record<TSource["directoryType"], TChangeCaptureKind[]> = {
  "active-directory": ["dirsync", "usn", "timestamp"],
  openldap: ["syncrepl", "timestamp"],
  "389ds": ["changelog", "timestamp"],
  generic: ["timestamp"],
};

export function changeFeedFor(source: Pick<TSource, "directoryType" | "changeCapture">): TChangeFeed {
  if (source.changeCapture !== "auto") {
    const feed = FEEDS[source.changeCapture];
    if (!feed) throw new Error(`change capture "${source.changeCapture}" is not available in this version of Ferry`);
    return feed;
  }
  for (const kind of AUTO[source.directoryType]) {
    const feed = FEEDS[kind];
    if (feed) return feed;
  }
  return timestampFeed;
}
