// What an operation will change, with counts, for the confirmation dialog (and for an
// API client that wants to look before it leaps). Read-only.
import { getDb } from "../db/index.ts";
import { needsTypedConfirmation, operationById, type TChannelOperationId, type TOperationCall } from "./operations.ts";
import { requireChannel } from "./require-channel.ts";

export type TOperationPreview = {
  operation: TChannelOperationId;
  channel: { id: number; name: string };
  /** one sentence per change, with counts */
  effects: string[];
  /** the admin must type the channel's name */
  typedConfirmation: boolean;
  counts: { users: number; groups: number; dirtyUsers: number; dirtyGroups: number; usersWithValuesHash: number };
};

const n = (count: number, what: string) => `${count.toLocaleString("en-US")} ${what}${count === 1 ? "" : "s"}`;

export async function previewOperation(options: { channelId: number; operation: TChannelOperationId }): Promise<TOperationPreview> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const [row] = await db.$queryRawUnsafe<Array<{ users: bigint; dirty_users: bigint; hashed: bigint; groups: bigint; dirty_groups: bigint; failing: bigint }>>(
    `SELECT
       (SELECT count(*) FROM user_record WHERE channel_id = $1 AND dirty AND last_error IS NOT NULL)
         + (SELECT count(*) FROM group_record WHERE channel_id = $1 AND dirty AND last_error IS NOT NULL) AS failing,
       (SELECT count(*) FROM user_record WHERE channel_id = $1) AS users,
       (SELECT count(*) FROM user_record WHERE channel_id = $1 AND dirty) AS dirty_users,
       (SELECT count(*) FROM user_record WHERE channel_id = $1 AND values_hash IS NOT NULL) AS hashed,
       (SELECT count(*) FROM group_record WHERE channel_id = $1) AS groups,
       (SELECT count(*) FROM group_record WHERE channel_id = $1 AND dirty) AS dirty_groups`,
    ch.id,
  );
  const c = {
    users: Number(row?.users ?? 0),
    groups: Number(row?.groups ?? 0),
    dirtyUsers: Number(row?.dirty_users ?? 0),
    dirtyGroups: Number(row?.dirty_groups ?? 0),
    usersWithValuesHash: Number(row?.hashed ?? 0),
  };
  const groupTs = ch.groupTimestamp
    ? `The group timestamp (${ch.groupTimestamp}) is cleared: the next cycle processes the whole provisioning group.`
    : "The group timestamp is already clear: the next cycle processes the whole provisioning group.";
  const attrSync =
    ch.attributeSyncTimestamp === "1"
      ? `The attribute-sync timestamp is already 1: the next cycle looks at all ${n(c.users, "user")}.`
      : `The attribute-sync timestamp${ch.attributeSyncTimestamp ? ` (${ch.attributeSyncTimestamp})` : ""} is set to 1: the next cycle looks at all ${n(c.users, "user")} for changes.`;
  const hash = `The values hash is removed from ${n(c.usersWithValuesHash, "user")}: users with a newer LDAP timestamp are updated at the service provider.`;
  const clearU = `The dirty flag is cleared on ${n(c.dirtyUsers, "user")}; their pending changes are dropped.`;
  const clearG = `The dirty flag is cleared on ${n(c.dirtyGroups, "group")}; their pending changes are dropped.`;
  const delU = `${n(c.dirtyUsers, "dirty user record")} ${c.dirtyUsers === 1 ? "is" : "are"} removed from the store (nothing is sent to the service provider).`;
  const delG = `${n(c.dirtyGroups, "dirty group record")} ${c.dirtyGroups === 1 ? "is" : "are"} removed from the store (nothing is sent to the service provider).`;
  const rescan = "If any are removed, the next cycle reads the whole scope again, so whatever is still in scope comes back as a new record.";
  const timestamps = "The group and attribute-sync timestamps are deleted: the next cycle starts from the beginning.";

  // what each lib function changes, with the arguments the operation gives it
  const effects = (call: TOperationCall): string[] => {
    switch (call.fn) {
      case "reset-group-timestamp":
        return [groupTs];
      case "reset-attribute-sync":
        return [attrSync];
      case "reset-values-hash":
        return [hash];
      case "reset-all":
        return [groupTs, attrSync, hash];
      case "clear-dirty-records":
        return call.kind === "all" ? [clearU, clearG] : call.kind === "users" ? [clearU] : [clearG];
      case "delete-dirty-records":
        return [...(call.kind === "all" ? [delU, delG] : call.kind === "users" ? [delU] : [delG]), rescan];
      case "retry-now":
        return [`${n(Number(row?.failing ?? 0), "record")} the target refused ${Number(row?.failing ?? 0) === 1 ? "is" : "are"} tried again by a cycle that starts now, whatever their backoff.`];
      case "release-quarantine":
        return ch.quarantineUntil && ch.quarantineUntil.getTime() > Date.now()
          ? [`The quarantine (until ${ch.quarantineUntil.toISOString().replace(/\.\d{3}Z$/, "Z")}) is cleared and a cycle starts now. If it fails again, the next quarantine is longer.`]
          : ["The channel is not in quarantine: a cycle starts now all the same."];
      case "run-now":
        return call.full
          ? [groupTs, "A cycle starts now (once no other cycle of the channel runs): it reads the whole scope and reads the target back to set drift right."]
          : ["A cycle starts now (once no other cycle of the channel runs) instead of at its scheduled time."];
      case "delete-all":
        return call.keepGroups
          ? [
              `All ${n(c.users, "user record")} are removed from the store; the ${n(c.groups, "group record")} are kept and their members sent again.`,
              timestamps,
              "Nothing is deleted at the service provider: the next cycle matches its existing users by userName.",
            ]
          : [
              `All ${n(c.users, "user record")} and ${n(c.groups, "group record")} are removed from the store; their metadata is lost.`,
              timestamps,
              "Nothing is deleted at the service provider: the next cycle matches its existing users and groups by name.",
            ];
    }
  };
  const op = operationById(options.operation);
  if (!op) throw new Error(`unknown operation ${options.operation}`);
  return {
    operation: options.operation,
    channel: { id: ch.id, name: ch.name },
    effects: effects(op.call),
    typedConfirmation: needsTypedConfirmation(options.operation),
    counts: c,
  };
}
