// Who is gone from the directory scope, in the two ways a read finds out (authentik's
// _sync_cleanup): users an incremental read sees changed and no longer matching the
// scope, and users a complete full read did not return. Both only record the
// directory's word (OUT_OF_SCOPE, or DELETED when the entry is no longer there); what
// happens to them at the target is decided once per cycle, behind the guard, by
// deprovision.ts. Where a user is deprovisioned is these three files: this one,
// deprovision-guard.ts (the rule), deprovision.ts (the step).
import type { Directory, TLdapEntry } from "../ldap/directory.ts";
import { guidOf, leftScopeFilter } from "../ldap/scope.ts";
import { knownInScopeUsers, loadUsersByGuid, markUsersGone, type TUserRow } from "../records/user-records.ts";
import type { TCycleContext } from "./context.ts";

const BATCH = 500;

/** Incremental reads: users who changed since `since` and no longer match the scope. */
export async function markLeftScope(ctx: TCycleContext, dir: Directory, since: string): Promise<void> {
  const { cfg } = ctx;
  const source = cfg.source;
  const batch: TLdapEntry[] = [];
  for await (const entry of dir.search(source.baseDn, leftScopeFilter(source, since), [source.guidAttribute, source.timestampAttribute])) {
    batch.push(entry);
    if (batch.length >= BATCH) await leftScope(ctx, batch.splice(0));
  }
  await leftScope(ctx, batch.splice(0));
}

async function leftScope(ctx: TCycleContext, entries: TLdapEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const { db, channel, cfg, stats } = ctx;
  const guids = entries.map((e) => guidOf(e, cfg.source)).filter((g): g is string => Boolean(g));
  const known = await loadUsersByGuid(db, channel.id, guids);
  const gone = [...known.values()].filter((r) => r.sourceState === "IN_SCOPE" || r.sourceState === "DISABLED");
  stats.usersLeftScope += gone.length;
  if (gone.length > 0) await ctx.lease.write((tx) => markUsersGone(tx, gone, "OUT_OF_SCOPE"));
}

/**
 * After a complete full read: records the directory no longer returns, however many.
 * An entry the read returned without its GUID (read rights on it narrowed, say) is not
 * gone: its DN is in `skippedDns`.
 */
export async function markMissing(ctx: TCycleContext, dir: Directory, seen: Set<string>, skippedDns: Set<string>): Promise<void> {
  const { db, channel, stats } = ctx;
  const missing: TUserRow[] = [];
  for await (const page of knownInScopeUsers(db, channel.id)) {
    for (const r of page) if (!seen.has(r.guid) && !skippedDns.has(r.dn.toLowerCase())) missing.push(r);
  }
  stats.usersMissing = missing.length;
  if (missing.length === 0) return;
  // tell "deleted" from "left the scope" where it is cheap to ask
  const deleted = new Set<bigint>();
  if (missing.length <= 200) {
    for (const r of missing) if (!(await dir.read(r.dn, ["1.1"]))) deleted.add(r.id);
  }
  await ctx.lease.write(async (tx) => {
    await markUsersGone(tx, missing.filter((r) => deleted.has(r.id)), "DELETED");
    await markUsersGone(tx, missing.filter((r) => !deleted.has(r.id)), "OUT_OF_SCOPE");
  });
}
