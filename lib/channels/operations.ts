// The provmgr channel operations: the one list. Pure data, shared by the browser (the
// console's buttons and dialogs) and the server (API routes, dispatch, previews) and by
// provmgr (its flags, help and handlers), so a button, an API call and
// `provmgr -c ID --flag` are one entry here. `call` names the lib/channels function an
// operation is and its arguments; run-operation.ts, preview-operation.ts and provmgr
// each say once per function what to do, never once per operation. The console lists
// them in this order, by group; provmgr places each group where the original tool's
// help had it (cli/program.ts).
import type { TRecordKind } from "./record-kind.ts";

/** Which lib/channels/<fn>.ts the operation calls, with what. */
export type TOperationCall =
  | { fn: "reset-group-timestamp" | "reset-attribute-sync" | "reset-values-hash" | "reset-all" }
  | { fn: "clear-dirty-records" | "delete-dirty-records"; kind: TRecordKind }
  | { fn: "delete-all"; keepGroups: boolean }
  | { fn: "retry-now" | "release-quarantine" }
  | { fn: "run-now"; full: boolean };

type TChannelOperation = {
  id: string;
  group: keyof typeof OPERATION_GROUPS;
  call: TOperationCall;
  /** the console's button and dialog */
  label: string;
  description: string;
  /** provmgr's help for --<id>, in the original tool's words */
  help: string;
};

export const CHANNEL_OPERATIONS = [
  {
    id: "reset-group-timestamp",
    group: "resets",
    call: { fn: "reset-group-timestamp" },
    label: "Reset group timestamp",
    description: "Forget the provisioning group's timestamp, so the next cycle processes the whole group even if the directory did not change it.",
    help: "delete the provisioning group's timestamp: the next cycle enumerates the group even if it did not change",
  },
  {
    id: "reset-attribute-sync",
    group: "resets",
    call: { fn: "reset-attribute-sync" },
    label: "Reset attribute sync",
    description: "Set the attribute-sync timestamp to 1, so the next cycle looks at every user for changes, not only those with a newer LDAP timestamp.",
    help: "set the attribute-sync timestamp to 1: the next cycle looks at all users, not only those with a newer LDAP timestamp",
  },
  {
    id: "reset-values-hash",
    group: "resets",
    call: { fn: "reset-values-hash" },
    label: "Reset values hash",
    description: "Remove every user's values hash, so users with a newer LDAP timestamp are updated at the service provider whatever their values.",
    help: "remove the values hash of all users: users with a newer LDAP timestamp are updated at the SP whatever their values",
  },
  {
    id: "reset-all",
    group: "resets",
    call: { fn: "reset-all" },
    label: "Reset all",
    description: "The three resets together: group timestamp, attribute sync and values hash.",
    help: "the three resets above together",
  },
  {
    id: "clear-dirty-records",
    group: "dirty",
    call: { fn: "clear-dirty-records", kind: "all" },
    label: "Clear dirty records",
    description: "Clear the dirty flag on every user and group. What was waiting to be pushed is dropped; a later directory change marks a record again.",
    help: "clear the dirty flag on all records",
  },
  {
    id: "clear-dirty-user-records",
    group: "dirty",
    call: { fn: "clear-dirty-records", kind: "users" },
    label: "Clear dirty user records",
    description: "Clear the dirty flag on every user. What was waiting to be pushed is dropped.",
    help: "clear the dirty flag on all user records",
  },
  {
    id: "clear-dirty-group-records",
    group: "dirty",
    call: { fn: "clear-dirty-records", kind: "groups" },
    label: "Clear dirty group records",
    description: "Clear the dirty flag on every group. What was waiting to be pushed is dropped.",
    help: "clear the dirty flag on all group records",
  },
  {
    id: "delete-dirty-records",
    group: "dirty",
    call: { fn: "delete-dirty-records", kind: "all" },
    label: "Delete dirty records",
    description: "Remove every dirty user and group from the internal store. Nothing is sent to the service provider; the next full read brings back what is still in scope.",
    help: "remove all dirty records from the internal store",
  },
  {
    id: "delete-dirty-user-records",
    group: "dirty",
    call: { fn: "delete-dirty-records", kind: "users" },
    label: "Delete dirty user records",
    description: "Remove every dirty user from the internal store. Nothing is sent to the service provider.",
    help: "remove all dirty user records from the internal store",
  },
  {
    id: "delete-dirty-group-records",
    group: "dirty",
    call: { fn: "delete-dirty-records", kind: "groups" },
    label: "Delete dirty group records",
    description: "Remove every dirty group from the internal store. Nothing is sent to the service provider.",
    help: "remove all dirty group records from the internal store",
  },
  {
    id: "run-cycle-now",
    group: "health",
    call: { fn: "run-now", full: false },
    label: "Run a cycle now",
    description: "Ask for the channel's next cycle now instead of at its scheduled time. It starts when no other cycle of the channel runs.",
    help: "run the channel's next cycle now instead of at its scheduled time",
  },
  {
    id: "run-full-cycle-now",
    group: "health",
    call: { fn: "run-now", full: true },
    label: "Run a full cycle now",
    description: "Read the whole scope and reconcile the target now: the group timestamp is cleared and a cycle is asked for at once.",
    help: "read the whole scope and reconcile the target now (clears the group timestamp and runs a cycle)",
  },
  {
    id: "retry-failed-records",
    group: "health",
    call: { fn: "retry-now" },
    label: "Retry failed records now",
    description: "Records the target refused wait longer between attempts each time (1, 2, 4 … minutes). Try every one of them in a cycle that starts now.",
    help: "try every record the target refused again now, instead of after its backoff (a cycle is asked for at once)",
  },
  {
    id: "release-quarantine",
    group: "health",
    call: { fn: "release-quarantine" },
    label: "Release from quarantine",
    description: "A channel that failed several cycles in a row waits minutes to hours between tries. Clear the quarantine and run a cycle now.",
    help: "release the channel from quarantine and run a cycle at once (it was waiting after failing cycles in a row)",
  },
  {
    id: "delete-all-users",
    group: "store",
    call: { fn: "delete-all", keepGroups: true },
    label: "Delete all users",
    description: "Remove every user and both timestamps from the internal store, keeping groups. Provisioning starts over, matching existing users at the service provider by userName.",
    help: "remove all users and both timestamps, keep the groups",
  },
  {
    id: "delete-all",
    group: "store",
    call: { fn: "delete-all", keepGroups: false },
    label: "Delete all",
    description: "Remove every user, every group and both timestamps from the internal store. Provisioning starts over from the beginning.",
    help: "remove all users and groups and both timestamps: provisioning of the channel starts from the beginning",
  },
] as const satisfies ReadonlyArray<TChannelOperation>;

export type TChannelOperationId = (typeof CHANNEL_OPERATIONS)[number]["id"];
export const CHANNEL_OPERATION_IDS = CHANNEL_OPERATIONS.map((o) => o.id) as [TChannelOperationId, ...TChannelOperationId[]];

export const OPERATION_GROUPS = {
  resets: { title: "Resets", hint: "Make the next cycle look again. Nothing is deleted." },
  dirty: { title: "Dirty records", hint: "Records the service provider has not acknowledged yet." },
  health: { title: "Run now, retries and quarantine", hint: "Do not wait: run or try again now." },
  store: { title: "Start over", hint: "Empty the internal store; the next cycle provisions from the beginning." },
} as const;

export type TChannelOperationEntry = (typeof CHANNEL_OPERATIONS)[number];

export function operationById(id: TChannelOperationId): TChannelOperationEntry;
export function operationById(id: string): TChannelOperationEntry | undefined;
export function operationById(id: string): TChannelOperationEntry | undefined {
  return CHANNEL_OPERATIONS.find((o) => o.id === id);
}

export function isChannelOperation(id: string): id is TChannelOperationId {
  return operationById(id) !== undefined;
}

/** These wipe the store (delete-all, delete-all-users): the admin types the channel's name to confirm (in the dialog and in the API body). */
export function needsTypedConfirmation(op: TChannelOperationId): boolean {
  return operationById(op).call.fn === "delete-all";
}
