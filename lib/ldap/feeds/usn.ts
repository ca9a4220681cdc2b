// Active Directory without the "Replicating Directory Changes" right (which DirSync
// needs): every object whose uSNChanged is above the highest committed USN the last
// cycle saw (the root DSE's highestCommittedUSN), tombstones included through the Show
// Deleted control (1.2.840.113556.1.4.417). What it sees that timestamps do not: a
// deleted user (AD does not touch the groups it was a member of), a user moved out of the
// base (still in the domain, with a new USN), a nested group's membership (the group's
// own USN moves). What it does not: which values of a group changed (the scope is read
// again, GUIDs only).
//
// The cookie is the USN as a decimal string. USNs belong to one domain controller: a
// cookie from another DC (a load-balanced name) can be behind or ahead; ahead of the
// DC's highest committed USN is caught as a reset, behind only re-reads changes.
import type { TChangeBatch, TChangeFeed, TFeedRequest } from "../change-feed.ts";
import { FeedResetError } from "../change-feed.ts";
import { ShowDeletedControl } from "../controls/ad-controls.ts";
import type { TLdapEntry } from "../directory.ts";
import { firstValue } from "../scope.ts";
import { watchAd } from "./ad-watch.ts";
import { AD_CHANGE_FILTER, adBatch, namingContextOf } from "./ad-common.ts";

const BATCH = 500;

async function highestCommittedUsn(req: TFeedRequest): Promise<bigint> {
  const root = await req.dir.rootDse(["highestCommittedUSN"]);
  const v = firstValue(root, "highestCommittedUSN");
  if (!v || !/^\d+$/.test(v)) throw new FeedResetError(`the directory's root DSE has no highestCommittedUSN (not Active Directory?)`);
  return BigInt(v);
}

export const usnFeed: TChangeFeed = {
  kind: "usn",
  async start(req: TFeedRequest): Promise<string> {
    return String(await highestCommittedUsn(req));
  },
  async read(req: TFeedRequest, cookie: string, onBatch: (b: TChangeBatch) => Promise<void>): Promise<string> {
    if (!/^\d+$/.test(cookie)) throw new FeedResetError(`the stored uSNChanged cookie "${cookie.slice(0, 40)}" is not a USN`);
    const since = BigInt(cookie);
    // taken before the search: what changes while it runs is read again next time
    const now = await highestCommittedUsn(req);
    if (now < since) throw new FeedResetError(`the directory's highest committed USN (${now}) is behind the stored one (${since}): another domain controller, or a restored one`);
    if (now === since) return cookie;
    const nc = await namingContextOf(req.dir, req.source.baseDn);
    const filter = `(&${AD_CHANGE_FILTER}(uSNChanged>=${since + 1n}))`;
    const attrs = [req.source.guidAttribute, "isDeleted", "objectClass"];
    let batch: TLdapEntry[] = [];
    for await (const e of req.dir.search(nc, filter, attrs, "sub", [new ShowDeletedControl()])) {
      batch.push(e);
      if (batch.length >= BATCH) {
        await onBatch(await adBatch(req, nc, batch));
        batch = [];
      }
    }
    if (batch.length > 0) await onBatch(await adBatch(req, nc, batch));
    return String(now);
  },
  watch: (req, cookie, signal, onChange) => watchAd(usnFeed, req, cookie, signal, onChange),
};
