// Active Directory's DirSync control (1.2.840.113556.1.4.841): the directory keeps track
// of what the caller has seen in an opaque cookie, and returns every object changed since
// — with only the attributes that changed, deleted objects as tombstones (isDeleted=TRUE),
// and, with LDAP_DIRSYNC_INCREMENTAL_VALUES, a group's member changes as the values added
// (`member;range=1-1`) and removed (`member;range=0-0`). The cookie is kept in the store
// (channel.change_cookie) as "dirsync:<base64>".
//
// DirSync needs the "Replicating Directory Changes" right on the domain. Without it the
// directory answers insufficientAccessRights (50), and this feed continues with the
// uSNChanged feed (usn.ts); its cookie is then "usn:<USN>". The OBJECT_SECURITY flag
// (0x1), meant for such an account, is not used: Samba answers it with no entries at all
// (measured against 4.17), which would read as "nothing changed".
//
// Only changes of *requested* attributes count: an object whose other attributes changed
// is not returned. So the request asks for "*" (every attribute the mapping may use),
// plus parentGUID and name (a move or a rename changes no other attribute).
import type { TChangeBatch, TChangeFeed, TFeedRequest } from "../change-feed.ts";
import { FeedResetError } from "../change-feed.ts";
import { DIRSYNC_FLAGS, DirSyncControl } from "../controls/ad-controls.ts";
import { AppError } from "../../errors.ts";
import { watchAd } from "./ad-watch.ts";
import { AD_CHANGE_FILTER, adBatch, namingContextOf } from "./ad-common.ts";
import { usnFeed } from "./usn.ts";

const DIRSYNC = "dirsync:";
const USN = "usn:";
/** a filter no object matches: a DirSync search with it returns no entry, only the cookie for "now" */
const NOTHING = "(objectGUID=\\00)";
const FLAGS = DIRSYNC_FLAGS.INCREMENTAL_VALUES;
/** rounds of "more results" before the feed gives up and has the cycle read everything */
const MAX_ROUNDS = 10_000;

/** LDAP result codes with which a directory refuses a DirSync cookie it cannot use. */
const COOKIE_REFUSED = new Set([2 /* protocolError */, 12 /* unavailableCriticalExtension */, 53 /* unwillingToPerform */]);

function ldapCode(err: unknown): number | undefined {
  return err instanceof AppError ? (err.details?.ldapCode as number | undefined) : undefined;
}

/** One DirSync exchange after another until the directory has no more; returns the last cookie. */
async function dirsync(
  req: TFeedRequest,
  base: string,
  filter: string,
  attributes: string[],
  cookie: Buffer,
  onBatch: (b: TChangeBatch) => Promise<void>,
): Promise<Buffer> {
  for (let round = 0; round < MAX_ROUNDS; round++) {
    // maxAttributeCount 0: the directory's own limit (Samba returns nothing at all, and no
    // "more", when a small limit is hit — measured)
    const control = new DirSyncControl({ flags: FLAGS, maxAttributeCount: 0, cookie });
    let entries;
    try {
      entries = await req.dir.searchOnce(base, filter, attributes, [control]);
    } catch (err) {
      const code = ldapCode(err);
      if (cookie.length > 0 && code !== undefined && COOKIE_REFUSED.has(code)) {
        throw new FeedResetError(`the directory refused the DirSync cookie: ${(err as Error).message}`);
      }
      throw err;
    }
    if (!control.response) throw new FeedResetError("the directory answered a DirSync search without a DirSync control");
    if (entries.length > 0) await onBatch(await adBatch(req, base, entries));
    cookie = control.response.cookie;
    if (!control.response.moreResults) return cookie;
  }
  throw new FeedResetError(`DirSync still had more results after ${MAX_ROUNDS} rounds`);
}

export const dirsyncFeed: TChangeFeed = {
  kind: "dirsync",
  async start(req: TFeedRequest): Promise<string> {
    const nc = await namingContextOf(req.dir, req.source.baseDn);
    try {
      const cookie = await dirsync(req, nc, NOTHING, [req.source.guidAttribute], Buffer.alloc(0), async () => undefined);
      return DIRSYNC + cookie.toString("base64");
    } catch (err) {
      // insufficientAccessRights: no "Replicating Directory Changes" right; follow uSNChanged instead
      if (ldapCode(err) === 50) return USN + (await usnFeed.start(req));
      throw err;
    }
  },
  async read(req: TFeedRequest, stored: string, onBatch: (b: TChangeBatch) => Promise<void>): Promise<string> {
    if (stored.startsWith(USN)) return USN + (await usnFeed.read(req, stored.slice(USN.length), onBatch));
    if (!stored.startsWith(DIRSYNC)) throw new FeedResetError(`the stored cookie is not a DirSync cookie`);
    const cookie = Buffer.from(stored.slice(DIRSYNC.length), "base64");
    if (cookie.length === 0) throw new FeedResetError("the stored DirSync cookie is empty");
    const nc = await namingContextOf(req.dir, req.source.baseDn);
    const attributes = ["*", req.source.guidAttribute, "parentGUID", "name", "isDeleted", "objectClass"];
    const next = await dirsync(req, nc, AD_CHANGE_FILTER, attributes, cookie, onBatch);
    return DIRSYNC + next.toString("base64");
  },
  watch: (req, cookie, signal, onChange) => watchAd(dirsyncFeed, req, cookie, signal, onChange),
};
