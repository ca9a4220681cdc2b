// The change feed every directory has: entries whose modification timestamp is at or
// after the channel's attribute-sync timestamp (the seed's), in the scope, plus those
// that changed and no longer match it. What it cannot see: a deletion (the entry is no
// longer there to carry a timestamp), a change that does not touch the entry itself
// (nested group membership, a member deleted from a group that refint does not rewrite),
// an entry moved out of the base. Those wait for the periodic full read — or for a feed
// that reports them (dirsync, syncrepl, changelog).
//
// Its cookie is the attribute-sync timestamp itself, which the cycle keeps for every
// feed from the timestamps of the entries it processed (lib/sync/read-users.ts): this
// feed has nothing of its own to store.
import type { TChangeBatch, TChangeFeed, TFeedRequest } from "../change-feed.ts";
import type { TLdapEntry } from "../directory.ts";
import { changedSinceFilter, guidOf, leftScopeFilter } from "../scope.ts";

const BATCH = 500;

export const timestampFeed: TChangeFeed = {
  kind: "timestamp",
  async start(): Promise<string> {
    return "";
  },
  async read(req: TFeedRequest, since: string, onBatch: (b: TChangeBatch) => Promise<void>): Promise<string> {
    const { dir, source } = req;
    let batch: TLdapEntry[] = [];
    for await (const entry of dir.search(source.baseDn, changedSinceFilter(req.filter, source, since), req.attributes)) {
      batch.push(entry);
      if (batch.length >= BATCH) {
        await onBatch({ inScope: batch });
        batch = [];
      }
    }
    if (batch.length > 0) await onBatch({ inScope: batch });

    // users who changed and no longer match the scope
    let gone: Array<{ guid: string; deleted: boolean }> = [];
    for await (const entry of dir.search(source.baseDn, leftScopeFilter(source, since), [source.guidAttribute, source.timestampAttribute])) {
      const guid = guidOf(entry, source);
      if (guid) gone.push({ guid, deleted: false });
      if (gone.length >= BATCH) {
        await onBatch({ gone });
        gone = [];
      }
    }
    if (gone.length > 0) await onBatch({ gone });
    return "";
  },
};
