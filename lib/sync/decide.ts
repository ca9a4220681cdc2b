// What a directory read means for one user record: pure, so every rule of the seed's
// provisioning behaviour can be unit-tested on plain data. The cycle applies it.
import type { TOptions } from "../channels/config.ts";
import { ldapTimeToMs } from "../ldap/scope.ts";

export type TAction = "NONE" | "CREATE" | "UPDATE" | "ENABLE" | "DISABLE" | "DELETE";
export type TTargetState = "ABSENT" | "ACTIVE" | "INACTIVE";
export type TSourceState = "IN_SCOPE" | "DISABLED" | "OUT_OF_SCOPE" | "DELETED";

export type TKnownRecord = {
  ldapTimestamp: string | null;
  valuesHash: string | null;
  sourceState: TSourceState;
  targetState: TTargetState;
  dirty: boolean;
  pendingAction: TAction;
};

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

/** The deprovisioning action the channel's Remove User Action asks for, if any. */
export function deprovisionAction(targetState: TTargetState, options: TOptions): TAction {
  if (!options.deprovisionUsers || targetState === "ABSENT") return "NONE";
  if (options.removeUserAction === "delete") return "DELETE";
  return targetState === "ACTIVE" ? "DISABLE" : "NONE";
}

/** The action for an entry that is in the directory scope (enabled or disabled). */
export function decideInScope(rec: TKnownRecord | undefined, seen: TSeenEntry, options: TOptions): TAction {
  const target = rec?.targetState ?? "ABSENT";
  if (seen.disabled) {
    if (target === "ABSENT") return options.provisionDisabledUsers && options.createUsers ? "CREATE" : "NONE";
    if (target === "ACTIVE") return deprovisionAction(target, options);
    // already inactive at the target: keep its values current only if disabled users are provisioned
    if (options.provisionDisabledUsers && options.updateUsers && rec?.valuesHash !== seen.hash) return "UPDATE";
    return options.removeUserAction === "delete" ? deprovisionAction(target, options) : "NONE";
  }
  if (target === "ABSENT") return options.createUsers ? "CREATE" : "NONE";
  if (target === "INACTIVE") return "ENABLE";
  if (!options.updateUsers) return "NONE";
  // a reset values hash (null) pushes regardless of the values
  return rec?.valuesHash === seen.hash ? "NONE" : "UPDATE";
}

/** The action for a known record whose entry left the scope or was deleted. */
export function decideGone(rec: TKnownRecord, options: TOptions): TAction {
  return deprovisionAction(rec.targetState, options);
}
