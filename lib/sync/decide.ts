// What a directory read means for one user record: pure, so every rule of the seed's
// provisioning behaviour can be unit-tested on plain data. The cycle applies it.
import type { TOptions } from "../channel-config/config.ts";
import { ldapTimeToMs } from "../ldap/scope.ts";

import type { TAction, TKnownState, TSourceState, TTargetState } from "../records/states.ts";

export type { TAction, TSourceState, TTargetState };
export type TKnownRecord = TKnownState;

export type TSeenEntry = {
  timestamp: string | undefined;
  disabled: boolean;
  hash: string;
};

/**
 * Is this entry worth a look? New records, entries with a newer LDAP timestamp, a
 * changed disabled state, or every entry after `--reset-attribute-sync`.
 */
export function isCandidate(rec: TKnownRecord | undefined, seen: TSeenEntry, lookAtAll: boolean): boolean {
  if (!rec || lookAtAll) return true;
  const state: TSourceState = seen.disabled ? "DISABLED" : "IN_SCOPE";
  if (rec.sourceState !== state) return true;
  // a record still waiting for the target is re-decided on fresh data
  if (rec.dirty) return true;
  // never provisioned (e.g. a disabled user): deciding again is cheap and picks up option changes
  if (rec.targetState === "ABSENT") return true;
  const seenMs = ldapTimeToMs(seen.timestamp);
  const knownMs = ldapTimeToMs(rec.ldapTimestamp);
  if (seenMs > knownMs) return true;
  // LDAP timestamps have one-second resolution: a second change within the same second
  // carries the same timestamp. Compare values then — but not after a values-hash reset,
  // which by definition touches only entries with a newer timestamp.
  return seenMs === knownMs && rec.valuesHash !== null && rec.valuesHash !== seen.hash;
}

/**
 * What deprovisioning a record means, once the directory says it is disabled, gone from
 * the scope or deleted — per the Remove User Action. Disabled users stay at the target,
 * inactive, when the channel provisions disabled users: being disabled is then no reason
 * to delete them. This is the rulebook; deciding *whether* to release it is the guard's
 * (deprovision.ts applies the same rule to a whole channel in SQL, and an integration
 * test holds the two to each other).
 */
export function deprovisionAction(rec: Pick<TKnownRecord, "sourceState" | "targetState">, options: TOptions): TAction {
  if (!options.deprovisionUsers || rec.sourceState === "IN_SCOPE" || rec.targetState === "ABSENT") return "NONE";
  const keptInactive = rec.sourceState === "DISABLED" && options.provisionDisabledUsers;
  if (options.removeUserAction === "delete" && !keptInactive) return "DELETE";
  return rec.targetState === "ACTIVE" ? "DISABLE" : "NONE";
}

/**
 * The action for an entry that is in the directory scope (enabled or disabled). A
 * disabled user is never disabled or deleted from here: the record says DISABLED, and
 * the deprovisioning step decides, for the whole channel at once, behind the guard.
 */
export function decideInScope(rec: TKnownRecord | undefined, seen: TSeenEntry, options: TOptions): TAction {
  const target = rec?.targetState ?? "ABSENT";
  if (seen.disabled) {
    if (target === "ABSENT") return options.provisionDisabledUsers && options.createUsers ? "CREATE" : "NONE";
    // already inactive at the target: keep its values current only if disabled users are provisioned
    if (target === "INACTIVE" && options.provisionDisabledUsers && options.updateUsers && rec?.valuesHash !== seen.hash) return "UPDATE";
    return "NONE";
  }
  if (target === "ABSENT") return options.createUsers ? "CREATE" : "NONE";
  if (target === "INACTIVE") return "ENABLE";
  if (!options.updateUsers) return "NONE";
  // a reset values hash (null) pushes regardless of the values
  return rec?.valuesHash === seen.hash ? "NONE" : "UPDATE";
}
