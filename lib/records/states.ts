// The states a user or group record moves through, as the store keeps them (enums of
// prisma/schema.prisma). Shared by the rulebook (lib/sync/decide.ts) that decides them
// and the record modules (user-records.ts, group-records.ts) that write them.
export type TAction = "NONE" | "CREATE" | "UPDATE" | "ENABLE" | "DISABLE" | "DELETE";
/** What the service provider holds, as far as Ferry knows. */
export type TTargetState = "ABSENT" | "ACTIVE" | "INACTIVE";
/** What the directory said on the last read. */
export type TSourceState = "IN_SCOPE" | "DISABLED" | "OUT_OF_SCOPE" | "DELETED";
/** A record the next cycle sends (SQL, on user_record or group_record): dirty, with an action, and not waiting out a backoff. */
export const DUE_FOR_PUSH = `dirty AND pending_action <> 'NONE' AND (next_attempt_at IS NULL OR next_attempt_at <= now())`;
/** users | groups */
export type TRecordKind = "users" | "groups";

/** What the rulebook needs to know of a stored user record. */
export type TKnownState = {
  ldapTimestamp: string | null;
  valuesHash: string | null;
  sourceState: TSourceState;
  targetState: TTargetState;
  dirty: boolean;
  pendingAction: TAction;
};
