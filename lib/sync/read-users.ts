// The read half of a cycle for users: decide between an incremental and a full read,
// read the directory, mark what changed as dirty, and have mark-gone.ts record who is
// gone. An incremental read asks the channel's change feed (lib/ldap/change-feed.ts) what
// changed; a full read streams the whole scope. Nothing here marks anyone for
// deprovisioning: that is deprovision.ts, behind the guard, once the whole read has
// completed.
import { changeFeedFor } from "../ldap/change-feeds.ts";
import { FeedResetError, guidFilter, type TChangeBatch, type TChangeFeed, type TFeedRequest } from "../ldap/change-feed.ts";
import type { Directory, TLdapEntry } from "../ldap/directory.ts";
import { firstValue, guidOf, isDisabled, ldapTimeToMs, msToLdapTime, timestampOf, userAttributes, userScopeFilter } from "../ldap/scope.ts";
import { hashValues, mapEntryChecked } from "../mapping/map-entry.ts";
import { referencedDns, referenceKeys } from "../mapping/references.ts";
import { knownInScopeGuids, loadChangedStatesByGuid, loadKnownStatesByGuid, refreshReadAttributes, writeUsersRead, type TUserUpsert } from "../records/user-records.ts";
import { entryFingerprint } from "../ldap/fingerprint.ts";
import type { TKnownState } from "../records/states.ts";
import { noteWrites, timed, type TCycleContext } from "./context.ts";
import { decideInScope, isCandidate, type TAction } from "./decide.ts";
import { periodicFullReadDue, resetFullRead } from "./full-read-due.ts";
import { markGoneByGuid, markMissing } from "./mark-gone.ts";
import { GuidSet } from "./guid-set.ts";

const BATCH = 500;
/**
 * Incremental reads look this far behind the newest change seen, so that entries modified
 * while a read was running (and already passed by it) are read next time. The next
 * timestamp is also never later than the read's start on Ferry's clock, which covers a
 * directory whose clock runs ahead.
 */
export const OVERLAP_MS = 2 * 60_000;

export type TUserReadOutcome = {
  full: boolean;
  /** what to store once the whole cycle's read is known to be complete */
  nextGroupTimestamp: string | null;
  nextAttributeSyncTimestamp: string;
  /** the change feed and where it stands now */
  nextFeed: { kind: string; cookie: string };
};

export async function readUsers(ctx: TCycleContext, dir: Directory): Promise<TUserReadOutcome> {
  const { channel, cfg, stats } = ctx;
  const source = cfg.source;
  const readStart = Date.now();
  const feed = changeFeedFor(source);

  const lookAtAll = channel.attributeSyncTimestamp === "1";
  let full = false;
  let rescopeAnyway = false;
  let groupTs: string | null = null;
  if (source.groupDn) {
    const group = await dir.read(source.groupDn, [source.groupChangeAttribute, source.timestampAttribute]);
    if (!group) {
      // never read "group missing" as "nobody in scope"
      throw new Error(`the provisioning group ${source.groupDn} does not exist in the directory (or the bind account cannot see it)`);
    }
    groupTs = firstValue(group, source.groupChangeAttribute) ?? timestampOf(group, source) ?? null;
    if (channel.groupTimestamp !== groupTs) {
      if (channel.groupTimestamp !== null && channel.changeFeed === feed.kind && channel.changeCookie && feed.seesEveryWrite?.(channel.changeCookie)) {
        // the feed has every write since its cookie: the changes, then the scope again
        // (GUIDs only) — whatever moved the group, even a write the cookie already passed
        rescopeAnyway = true;
      } else {
        full = true;
        stats.reasons.push(channel.groupTimestamp === null ? "group timestamp reset or first read" : "provisioning group changed");
      }
    }
  }
  const reset = resetFullRead(channel);
  if (reset) {
    full = true;
    stats.reasons.push(reset);
  }
  if (channel.forceFull) {
    full = true;
    stats.reasons.push(channel.forceFull);
  }
  if (!full && feed.kind !== "timestamp" && (channel.changeFeed !== feed.kind || !channel.changeCookie)) {
    full = true;
    stats.reasons.push(`change feed ${feed.kind} starts`);
  }
  if (!full && channel.usersHeld) {
    // a held deprovisioning is re-checked against the whole scope: it is released only by
    // an approval or by the directory changing back, never by a partial look
    full = true;
    stats.reasons.push("deprovisioning held: the whole scope is read again");
  }
  const interval = cfg.options.fullSyncIntervalSec;
  if (!full && periodicFullReadDue(channel.lastFullSyncAt, interval)) {
    full = true;
    stats.reasons.push("periodic full reconciliation");
  }

  const since = channel.attributeSyncTimestamp;
  const req: TFeedRequest = { dir, source, filter: userScopeFilter(source), attributes: userAttributes(source), since };
  const pipe = new StorePipeline(ctx, lookAtAll);
  let cookie: string;
  if (!full) {
    stats.mode = "incremental";
    try {
      cookie = await readChanges(ctx, feed, req, feed.kind === "timestamp" ? since! : channel.changeCookie!, pipe, rescopeAnyway);
      return outcome(false, cookie);
    } catch (err) {
      if (!(err instanceof FeedResetError)) throw err;
      // the feed lost its place: read everything, which it can never mistake for "nothing changed"
      full = true;
      stats.reasons.push(`change feed reset: ${err.message}`);
    }
  }

  stats.mode = "full";
  // where the feed stands before the read: what changes during it is read next time
  cookie = await feed.start(req);
  const seen = new GuidSet();
  // entries the read returned without a GUID: never taken for users who are gone
  const skippedDns = new Set<string>();
  await pipe.run(async () => {
    for await (const page of dir.searchPages(source.baseDn, req.filter, req.attributes)) {
      stats.usersRead += page.length;
      for (const entry of page) {
        const storing = pipe.add(entry, seen, skippedDns);
        if (storing) await storing;
      }
    }
  });
  // on a first read (or after --delete-all) there is nothing the store knows that could be missing
  if (since !== null) await timed(stats, "users.missing", () => markMissing(ctx, dir, seen, skippedDns));
  return outcome(true, cookie);

  function outcome(isFull: boolean, nextCookie: string): TUserReadOutcome {
    const prevMs = ldapTimeToMs(since);
    const maxSeenMs = pipe.maxSeenMs;
    const nextMs = maxSeenMs > 0 ? Math.min(maxSeenMs, readStart) - OVERLAP_MS : prevMs > 0 ? prevMs : readStart - OVERLAP_MS;
    return {
      full: isFull,
      nextGroupTimestamp: groupTs,
      nextAttributeSyncTimestamp: msToLdapTime(Math.max(nextMs, 1000), source),
      nextFeed: { kind: feed.kind, cookie: nextCookie },
    };
  }
}

/**
 * An incremental read: whatever the feed reports. Entries it returned in scope are
 * decided like a full read's; entries it cannot place are read again by GUID with the
 * scope filter; gone ones are recorded gone; a change to what decides the scope has the
 * scope read again (GUIDs only). Returns the feed's next cookie.
 */
async function readChanges(ctx: TCycleContext, feed: TChangeFeed, req: TFeedRequest, cookie: string, pipe: StorePipeline, rescopeAnyway: boolean): Promise<string> {
  const { stats } = ctx;
  let scopeChanged = rescopeAnyway;
  let next = "";
  await pipe.run(async () => {
    next = await feed.read(req, cookie, async (b: TChangeBatch) => {
      for (const entry of b.inScope ?? []) {
        stats.usersRead++;
        await pipe.add(entry, null, null);
      }
      if (b.changed?.length) {
        const found = await readByGuid(req, b.changed);
        for (const entry of found.entries) {
          stats.usersRead++;
          await pipe.add(entry, null, null);
        }
        // changed but not in the scope: left it, or moved out of the base
        await pipe.drain();
        await markGoneByGuid(ctx, found.missing.map((guid) => ({ guid, deleted: false })));
      }
      if (b.gone?.length) {
        await pipe.drain();
        await markGoneByGuid(ctx, b.gone);
      }
      if (b.present) {
        // the feed listed the whole scope: whoever the store has in it and is not listed is gone
        await pipe.drain();
        const present = b.present;
        await timed(stats, "users.missing", () => markMissing(ctx, req.dir, present, new Set()));
      }
      if (b.scopeChanged) scopeChanged = true;
    });
  });
  if (scopeChanged) await timed(stats, "users.rescope", () => rescope(ctx, req, pipe));
  return next;
}

/** Entries of these GUIDs that are in the scope, and the GUIDs that are not (200 per search). */
export async function readByGuid(req: TFeedRequest, guids: string[]): Promise<{ entries: TLdapEntry[]; missing: string[] }> {
  const entries: TLdapEntry[] = [];
  const found = new Set<string>();
  for (let i = 0; i < guids.length; i += 200) {
    const chunk = guids.slice(i, i + 200);
    for await (const e of req.dir.search(req.source.baseDn, `(&${req.filter}${guidFilter(req.source, chunk)})`, req.attributes)) {
      const g = guidOf(e, req.source);
      if (g) found.add(g);
      entries.push(e);
    }
  }
  return { entries, missing: guids.map((g) => g.toLowerCase()).filter((g) => !found.has(g)) };
}

/**
 * Who is in scope, read again with GUIDs only (the scope may have changed without any
 * user entry changing: a nested group's membership): users new to the scope are read
 * and decided, users no longer in it recorded gone.
 */
async function rescope(ctx: TCycleContext, req: TFeedRequest, pipe: StorePipeline): Promise<void> {
  const { db, channel } = ctx;
  const seen = new Set<string>();
  const skippedDns = new Set<string>();
  for await (const e of req.dir.search(req.source.baseDn, req.filter, [req.source.guidAttribute])) {
    const g = guidOf(e, req.source);
    if (g) seen.add(g);
    else skippedDns.add(e.dn.toLowerCase());
  }
  const known = new GuidSet();
  for await (const page of knownInScopeGuids(ctx.raw, channel.id)) for (const guid of page) known.add(guid);
  const fresh = [...seen].filter((g) => !known.has(g));
  if (fresh.length > 0) {
    await pipe.run(async () => {
      for (const e of (await readByGuid(req, fresh)).entries) await pipe.add(e, null, null);
    });
  }
  await markMissing(ctx, req.dir, seen, skippedDns);
}

/**
 * Decides and stores entries in batches while the directory is read: one batch is
 * decided and written while the next is read, batches are stored one after the other,
 * and at most two are held in memory.
 */
class StorePipeline {
  maxSeenMs = 0;
  private batch: TLdapEntry[] = [];
  private storing: Promise<void> | null = null;
  private seen: GuidSet | null = null;
  private skipped: Set<string> | null = null;

  constructor(
    private readonly ctx: TCycleContext,
    private readonly lookAtAll: boolean,
  ) {}

  /** Adds an entry; stores a batch when one is full (only then does it wait: a sync return otherwise). */
  add(entry: TLdapEntry, seen: GuidSet | null, skippedDns: Set<string> | null): Promise<void> | undefined {
    this.seen = seen;
    this.skipped = skippedDns;
    this.batch.push(entry);
    if (this.batch.length >= BATCH) return this.flush();
    return undefined;
  }

  /** Every entry added so far is decided and stored. */
  async drain(): Promise<void> {
    await this.flush();
    await this.storing;
  }

  /** Runs a read; whatever it added is stored before this returns, and a failed read still waits for the batch being stored. */
  async run(read: () => Promise<void>): Promise<void> {
    try {
      await read();
      await this.flush();
    } finally {
      await this.storing?.catch(() => undefined);
    }
    await this.storing;
  }

  private async flush(): Promise<void> {
    const b = this.batch;
    this.batch = [];
    if (this.storing) await this.storing;
    if (b.length === 0) return;
    const p = timed(this.ctx.stats, "users.decide+write", () => processInScope(this.ctx, b, this.lookAtAll, this.seen, this.skipped)).then((ts) => {
      this.maxSeenMs = Math.max(this.maxSeenMs, ts);
    });
    // a failure is awaited (and thrown) by the next flush or by run(); never left unhandled meanwhile
    p.catch(() => undefined);
    this.storing = p;
  }
}

/** Decides and stores a batch of in-scope entries; returns the newest timestamp seen. */
async function processInScope(
  ctx: TCycleContext,
  entries: TLdapEntry[],
  lookAtAll: boolean,
  seen: GuidSet | null,
  skippedDns: Set<string> | null,
): Promise<number> {
  if (entries.length === 0) return 0;
  const { db, channel, cfg, stats, log } = ctx;
  const source = cfg.source;
  let maxMs = 0;
  // keyed by GUID: an entry listed twice (a non-unique guidAttribute) must not meet itself in one statement
  const byGuid = new Map<string, { entry: TLdapEntry; guid: string }>();
  for (const entry of entries) {
    const guid = guidOf(entry, source);
    if (!guid) {
      stats.usersSkipped++;
      skippedDns?.add(entry.dn.toLowerCase());
      log.warn("entry without GUID skipped", { dn: entry.dn, guidAttribute: source.guidAttribute });
      continue;
    }
    seen?.add(guid);
    byGuid.set(guid, { entry, guid });
  }
  const refKeys = referenceKeys(cfg.mapping.user);
  // what the database needs to leave an unchanged entry out: no mapping, no hash yet
  const cheap = [...byGuid.values()].map(({ entry, guid }) => {
    const ts = timestampOf(entry, source);
    maxMs = Math.max(maxMs, ldapTimeToMs(ts));
    return { entry, guid, timestamp: ts, disabled: isDisabled(entry, source) };
  });
  // a first load has no stored record to compare with: no lookup; a reset looks at every
  // record; otherwise the database leaves out the entries whose record holds the same
  // attributes, timestamp and state (nothing to decide for them: not even a mapping)
  const known: Map<string, TKnownState | null> = ctx.readProgress
    ? new Map(cheap.map((p) => [p.guid, null]))
    : lookAtAll
      ? await loadKnownStatesByGuid(db, channel.id, cheap.map((p) => p.guid))
      : await loadChangedStatesByGuid(
          ctx.raw,
          channel.id,
          cheap.map((p) => ({
            guid: p.guid,
            timestamp: p.timestamp ?? null,
            sourceState: p.disabled ? "DISABLED" : "IN_SCOPE",
            fingerprint: entryFingerprint(p.entry.dn, p.entry.attrs),
          })),
        );
  const parsed = cheap
    // left out by the lookup: a record this read leaves as it is
    .filter((p) => lookAtAll || known.has(p.guid))
    .map(({ entry, guid, timestamp, disabled }) => {
      // a value that could not be computed keeps the user from being pushed (below); the others name it
      const mapped = mapEntryChecked(entry, cfg.mapping.user);
      const values = mapped.values;
      const mappingError = mapped.error?.message ?? null;
      return { entry, guid, values, mappingError, seenEntry: { timestamp, disabled, hash: hashValues(values) } };
    });
  const rows: TUserUpsert[] = [];
  // entries that changed where deciding sees nothing to do: only their attributes are kept
  const refreshed: Array<{ guid: string; dn: string; ldapAttributes: Record<string, string[]> }> = [];
  for (const { entry, guid, values, mappingError, seenEntry } of parsed) {
    const ts = seenEntry.timestamp;
    const disabled = seenEntry.disabled;
    const rec = known.get(guid) ?? undefined;
    if (!isCandidate(rec, seenEntry, lookAtAll)) {
      if (rec && !lookAtAll && rec.ldapTimestamp === (ts ?? null)) refreshed.push({ guid, dn: entry.dn, ldapAttributes: entry.attrs });
      continue;
    }
    let action: TAction = decideInScope(rec, seenEntry, cfg.options);
    // a deprovisioning the guard already released stays released while the user stays disabled
    if (action === "NONE" && disabled && rec?.sourceState === "DISABLED" && rec.dirty && (rec.pendingAction === "DISABLE" || rec.pendingAction === "DELETE")) {
      action = rec.pendingAction;
    }
    let lastError: string | null = null;
    const userName = values.userName === undefined ? null : String(values.userName);
    if (mappingError && (action === "CREATE" || action === "UPDATE" || action === "ENABLE")) {
      // a value the mapping could not compute is not sent as missing (that would remove it at the target): kept visible as dirty
      lastError = mappingError;
      action = "NONE";
    } else if (!userName && action !== "NONE") {
      // without a userName the target cannot match or create this user: keep it visible as dirty
      lastError = `no value for userName (mapping: ${JSON.stringify(cfg.mapping.user.userName)})`;
      action = "NONE";
    }
    const dirty = action !== "NONE" || lastError !== null;
    if (dirty) stats.usersMarkedDirty++;
    rows.push({
      guid,
      dn: entry.dn,
      providerName: userName,
      ldapTimestamp: ts ?? null,
      sourceState: disabled ? "DISABLED" : "IN_SCOPE",
      dirty,
      pendingAction: action,
      pendingValues: action === "NONE" ? null : { ...values, active: !disabled },
      pendingHash: action === "NONE" ? null : seenEntry.hash,
      ldapAttributes: entry.attrs,
      lastError,
      referenceDns: referencedDns(values, refKeys),
    });
  }
  stats.usersWritten += rows.length;
  // one transaction (one lease check) for the batch's decisions and refreshed attributes
  if (rows.length > 0 || refreshed.length > 0) {
    await ctx.lease.write(async (tx) => {
      await refreshReadAttributes(tx, channel.id, refreshed);
      await writeUsersRead(tx, channel.id, rows);
    });
  }
  if (rows.length > 0) {
    ctx.readProgress?.bump();
    await noteWrites(ctx, rows.length);
  }
  return maxMs;
}
