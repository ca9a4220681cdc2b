// Who is gone from the directory scope, in the two ways a read finds out (authentik's
// _sync_cleanup): users a change feed reports deleted or no longer matching the scope,
// and users a complete full read did not return. Both only record the
// directory's word (OUT_OF_SCOPE, or DELETED when the entry is no longer there); what
// happens to them at the target is decided once per cycle, behind the guard, by
// deprovision.ts. Where a user is deprovisioned is these three files: this one,
// deprovision-guard.ts (the rule), deprovision.ts (the step).
import type { Directory } from "../ldap/directory.ts";
import type { TGuidLookup } from "./guid-set.ts";
import { inScopeUsersByGuid, knownInScopeGuids, loadUsersByGuid, markUsersGone } from "../records/user-records.ts";
import type { TTargetState } from "../records/states.ts";
import type { TCycleContext } from "./context.ts";

/**
 * Users a change feed reports gone: deleted from the directory, or no longer in the
 * scope (an incremental read's "changed and left the scope"). Only records the store
 * has in scope are touched.
 */
export async function markGoneByGuid(ctx: TCycleContext, items: Array<{ guid: string; deleted: boolean }>): Promise<void> {
  if (items.length === 0) return;
  const { db, channel, stats } = ctx;
  const deleted = new Set(items.filter((i) => i.deleted).map((i) => i.guid.toLowerCase()));
  const known = await loadUsersByGuid(db, channel.id, items.map((i) => i.guid.toLowerCase()));
  const gone = [...known.values()].filter((r) => r.sourceState === "IN_SCOPE" || r.sourceState === "DISABLED");
  if (gone.length === 0) return;
  const del = gone.filter((r) => deleted.has(r.guid));
  const left = gone.filter((r) => !deleted.has(r.guid));
  stats.usersLeftScope += left.length;
  stats.usersDeleted += del.length;
  await ctx.lease.write(async (tx) => {
    await markUsersGone(tx, del, "DELETED");
    await markUsersGone(tx, left, "OUT_OF_SCOPE");
  });
}

/**
 * After a complete full read: records the directory no longer returns, however many.
 * An entry the read returned without its GUID (read rights on it narrowed, say) is not
 * gone: its DN is in `skippedDns`.
 */
export async function markMissing(ctx: TCycleContext, dir: Directory, seen: TGuidLookup, skippedDns: Set<string>): Promise<void> {
  const { db, channel, stats } = ctx;
  const notSeen: string[] = [];
  for await (const page of knownInScopeGuids(ctx.raw, channel.id)) {
    for (const guid of page) if (!seen.has(guid)) notSeen.push(guid);
  }
  const missing = (await inScopeUsersByGuid(db, channel.id, notSeen)).filter((r) => !skippedDns.has(r.dn.toLowerCase()));
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
