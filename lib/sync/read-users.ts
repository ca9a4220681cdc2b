// The read half of a cycle for users: decide between an incremental and a full read,
// stream the directory, mark what changed as dirty, and have mark-gone.ts record who is
// gone: users who left the scope (incremental) or are missing from a complete full
// read. Nothing here marks anyone for deprovisioning: that is deprovision.ts, behind the
// guard, once the whole read has completed.
import type { Directory, TLdapEntry } from "../ldap/directory.ts";
import {
  changedSinceFilter,
  firstValue,
  guidOf,
  isDisabled,
  ldapTimeToMs,
  msToLdapTime,
  timestampOf,
  userAttributes,
  userScopeFilter,
} from "../ldap/scope.ts";
import { hashValues, mapEntry } from "../mapping/map-entry.ts";
import { noteWrites, timed, type TCycleContext } from "./context.ts";
import { loadUsersByGuid, writeUsersRead, type TUserRow, type TUserUpsert } from "../records/user-records.ts";
import { decideInScope, isCandidate, type TAction } from "./decide.ts";
import { markLeftScope, markMissing } from "./mark-gone.ts";

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
};

export async function readUsers(ctx: TCycleContext, dir: Directory): Promise<TUserReadOutcome> {
  const { channel, cfg, stats } = ctx;
  const source = cfg.source;
  const readStart = Date.now();

  const lookAtAll = channel.attributeSyncTimestamp === "1";
  let full = false;
  let groupTs: string | null = null;
  if (source.groupDn) {
    const group = await dir.read(source.groupDn, [source.groupChangeAttribute, source.timestampAttribute]);
    if (!group) {
      // never read "group missing" as "nobody in scope"
      throw new Error(`the provisioning group ${source.groupDn} does not exist in the directory (or the bind account cannot see it)`);
    }
    groupTs = firstValue(group, source.groupChangeAttribute) ?? timestampOf(group, source) ?? null;
    if (channel.groupTimestamp !== groupTs) {
      full = true;
      stats.reasons.push(channel.groupTimestamp === null ? "group timestamp reset or first read" : "provisioning group changed");
    }
  }
  if (!channel.attributeSyncTimestamp) {
    full = true;
    stats.reasons.push("first read");
  } else if (lookAtAll) {
    full = true;
    stats.reasons.push("attribute sync timestamp reset");
  }
  if (!full && channel.usersHeld) {
    // a held deprovisioning is re-checked against the whole scope: it is released only by
    // an approval or by the directory changing back, never by a partial look
    full = true;
    stats.reasons.push("deprovisioning held: the whole scope is read again");
  }
  const interval = cfg.options.fullSyncIntervalSec;
  if (!full && interval > 0 && (!channel.lastFullSyncAt || Date.now() - channel.lastFullSyncAt.getTime() >= interval * 1000)) {
    full = true;
    stats.reasons.push("periodic full reconciliation");
  }
  stats.mode = full ? "full" : "incremental";

  const since = channel.attributeSyncTimestamp;
  const scope = userScopeFilter(source);
  const filter = full || !since ? scope : changedSinceFilter(scope, source, since);
  const seen = full ? new Set<string>() : null;
  // entries the read returned without a GUID: never taken for users who are gone
  const skippedDns = full ? new Set<string>() : null;
  let maxSeenMs = 0;

  // While one batch is decided and stored, the search goes on reading the next: the
  // directory and the store work side by side, batches are still stored one after the
  // other, and at most two batches are held in memory.
  let batch: TLdapEntry[] = [];
  const storing: { batch: Promise<void> | null } = { batch: null };
  const flush = async () => {
    const b = batch;
    batch = [];
    if (storing.batch) await storing.batch;
    const p = timed(stats, "users.decide+write", () => processInScope(ctx, b, lookAtAll, seen, skippedDns)).then((ts) => {
      maxSeenMs = Math.max(maxSeenMs, ts);
    });
    // a failure is awaited (and thrown) by the next flush or below; never left unhandled meanwhile
    p.catch(() => undefined);
    storing.batch = p;
  };
  try {
    for await (const entry of dir.search(source.baseDn, filter, userAttributes(source))) {
      stats.usersRead++;
      batch.push(entry);
      if (batch.length >= BATCH) await flush();
    }
    await flush();
  } finally {
    // a failed search still waits for the batch being stored, so nothing writes after the read returns
    await storing.batch?.catch(() => undefined);
  }
  await storing.batch;

  if (!full && since) await timed(stats, "users.left-scope", () => markLeftScope(ctx, dir, since));

  // on a first read (or after --delete-all) there is nothing the store knows that could be missing
  if (full && seen && skippedDns && since !== null) await timed(stats, "users.missing", () => markMissing(ctx, dir, seen, skippedDns));

  const prevMs = ldapTimeToMs(since);
  const nextMs = maxSeenMs > 0 ? Math.min(maxSeenMs, readStart) - OVERLAP_MS : prevMs > 0 ? prevMs : readStart - OVERLAP_MS;
  return { full, nextGroupTimestamp: groupTs, nextAttributeSyncTimestamp: msToLdapTime(Math.max(nextMs, 1000), source) };
}

/** Decides and stores a batch of in-scope entries; returns the newest timestamp seen. */
async function processInScope(
  ctx: TCycleContext,
  entries: TLdapEntry[],
  lookAtAll: boolean,
  seen: Set<string> | null,
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
  const parsed = [...byGuid.values()];
  // a first load has no stored record to compare with: no lookup
  const known = ctx.readProgress ? new Map<string, TUserRow>() : await loadUsersByGuid(db, channel.id, parsed.map((p) => p.guid));
  const rows: TUserUpsert[] = [];
  for (const { entry, guid } of parsed) {
    const ts = timestampOf(entry, source);
    maxMs = Math.max(maxMs, ldapTimeToMs(ts));
    const values = mapEntry(entry, cfg.mapping.user);
    const disabled = isDisabled(entry, source);
    const seenEntry = { timestamp: ts, disabled, hash: hashValues(values) };
    const rec = known.get(guid);
    if (!isCandidate(rec, seenEntry, lookAtAll)) continue;
    let action: TAction = decideInScope(rec, seenEntry, cfg.options);
    // a deprovisioning the guard already released stays released while the user stays disabled
    if (action === "NONE" && disabled && rec?.sourceState === "DISABLED" && rec.dirty && (rec.pendingAction === "DISABLE" || rec.pendingAction === "DELETE")) {
      action = rec.pendingAction;
    }
    let lastError: string | null = null;
    const userName = values.userName === undefined ? null : String(values.userName);
    if (!userName && action !== "NONE") {
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
    });
  }
  stats.usersWritten += rows.length;
  if (rows.length > 0) {
    await ctx.lease.write((tx) => writeUsersRead(tx, channel.id, rows));
    ctx.readProgress?.bump();
    await noteWrites(ctx, rows.length);
  }
  return maxMs;
}
