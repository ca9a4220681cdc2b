// The provmgr channel operations, as the console and the API offer them. Pure data,
// shared by the browser (buttons, dialogs) and the server (routes, dispatch), so a
// button, an API call and `provmgr -c ID --flag` are one list.
export const CHANNEL_OPERATIONS = [
  {
    id: "reset-group-timestamp",
    flag: "--reset-group-timestamp",
    group: "resets",
    label: "Reset group timestamp",
    description: "Forget the provisioning group's timestamp, so the next cycle processes the whole group even if the directory did not change it.",
  },
  {
    id: "reset-attribute-sync",
    flag: "--reset-attribute-sync",
    group: "resets",
    label: "Reset attribute sync",
    description: "Set the attribute-sync timestamp to 1, so the next cycle looks at every user for changes, not only those with a newer LDAP timestamp.",
  },
  {
    id: "reset-values-hash",
    flag: "--reset-values-hash",
    group: "resets",
    label: "Reset values hash",
    description: "Remove every user's values hash, so users with a newer LDAP timestamp are updated at the service provider whatever their values.",
  },
  {
    id: "reset-all",
    flag: "--reset-all",
    group: "resets",
    label: "Reset all",
    description: "The three resets together: group timestamp, attribute sync and values hash.",
  },
  {
    id: "clear-dirty-records",
    flag: "--clear-dirty-records",
    group: "dirty",
    label: "Clear dirty records",
    description: "Clear the dirty flag on every user and group. What was waiting to be pushed is dropped; a later directory change marks a record again.",
  },
  {
    id: "clear-dirty-user-records",
    flag: "--clear-dirty-user-records",
    group: "dirty",
    label: "Clear dirty user records",
    description: "Clear the dirty flag on every user. What was waiting to be pushed is dropped.",
  },
  {
    id: "clear-dirty-group-records",
    flag: "--clear-dirty-group-records",
    group: "dirty",
    label: "Clear dirty group records",
    description: "Clear the dirty flag on every group. What was waiting to be pushed is dropped.",
  },
  {
    id: "delete-dirty-records",
    flag: "--delete-dirty-records",
    group: "dirty",
    label: "Delete dirty records",
    description: "Remove every dirty user and group from the internal store. Nothing is sent to the service provider; the next full read brings back what is still in scope.",
  },
  {
    id: "delete-dirty-user-records",
    flag: "--delete-dirty-user-records",
    group: "dirty",
    label: "Delete dirty user records",
    description: "Remove every dirty user from the internal store. Nothing is sent to the service provider.",
  },
  {
    id: "delete-dirty-group-records",
    flag: "--delete-dirty-group-records",
    group: "dirty",
    label: "Delete dirty group records",
    description: "Remove every dirty group from the internal store. Nothing is sent to the service provider.",
  },
  {
    id: "delete-all-users",
    flag: "--delete-all-users",
    group: "store",
    label: "Delete all users",
    description: "Remove every user and both timestamps from the internal store, keeping groups. Provisioning starts over, matching existing users at the service provider by userName.",
  },
  {
    id: "delete-all",
    flag: "--delete-all",
    group: "store",
    label: "Delete all",
    description: "Remove every user, every group and both timestamps from the internal store. Provisioning starts over from the beginning.",
  },
] as const;

export type TChannelOperationId = (typeof CHANNEL_OPERATIONS)[number]["id"];
export const CHANNEL_OPERATION_IDS = CHANNEL_OPERATIONS.map((o) => o.id) as [TChannelOperationId, ...TChannelOperationId[]];

export const OPERATION_GROUPS = {
  resets: { title: "Resets", hint: "Make the next cycle look again. Nothing is deleted." },
  dirty: { title: "Dirty records", hint: "Records the service provider has not acknowledged yet." },
  store: { title: "Start over", hint: "Empty the internal store; the next cycle provisions from the beginning." },
} as const;

/** These wipe the store: the admin types the channel's name to confirm (in the dialog and in the API body). */
export function needsTypedConfirmation(op: TChannelOperationId): boolean {
  return op === "delete-all" || op === "delete-all-users";
}

export function operationById(id: string) {
  return CHANNEL_OPERATIONS.find((o) => o.id === id);
}
