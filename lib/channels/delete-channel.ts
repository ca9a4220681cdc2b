// Deletes a channel: its configuration and its whole internal store — user and group
// records, memberships, cycles, deprovisioning holds — which go with it through the
// foreign keys' ON DELETE CASCADE (migrations 0001 and 0006), and its waiting cycle job.
// Nothing is sent to the target: the accounts the channel provisioned stay at the SCIM
// service (delete-all and a last cycle would be the way to remove them first).
//
// Refused while a cycle of the channel runs (its lease has not ended): that cycle may
// have requests on the wire to the target, and stopping it from here could not take them
// back. Deactivating the channel first stops new cycles; the one running ends by itself
// (or its lease runs out if its node died), and the delete then goes through. The
// channel row is locked for the check and the delete, so a cycle cannot start between
// them (a lease is taken with an UPDATE of that row).
//
// The audit entry keeps the channel's name and what was removed, since the channel it
// points to is gone.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { cycleJobKey } from "../jobs/cycle-job-names.ts";
import type { TActor } from "./actor.ts";

export type TDeletedChannel = { id: number; name: string; users: number; groups: number; cycles: number; holds: number };

export async function deleteChannel(options: { channelId: number; confirm: string } & TActor): Promise<TDeletedChannel> {
  const db = await getDb();
  const deleted = await db.$transaction(async (tx) => {
    const [ch] = await tx.$queryRawUnsafe<Array<{ id: number; name: string; connection_id: string; lease_owner: number | null; lease_left: number | null }>>(
      `SELECT id, name, connection_id, lease_owner,
              CASE WHEN lease_expires_at > now() THEN EXTRACT(EPOCH FROM lease_expires_at - now())::float END AS lease_left
       FROM channel WHERE id = $1 FOR UPDATE`,
      options.channelId,
    );
    if (!ch) throw new AppError("NOT_FOUND", `channel ${options.channelId} does not exist (see provmgr --show-channels)`);
    if (options.confirm !== ch.name) {
      throw new AppError("INVALID_ARGUMENT", `to delete channel ${ch.id}, confirm with its name exactly: "${ch.name}"`, { field: "confirm" });
    }
    if (ch.lease_left !== null) {
      throw new AppError(
        "CYCLE_RUNNING",
        `a cycle of channel ${ch.id} is running${ch.lease_owner ? ` on node ${ch.lease_owner}` : ""}: deactivate the channel, then delete it once that cycle has ended (its lease ends in ${Math.max(1, Math.ceil(ch.lease_left))} s unless renewed)`,
        { channelId: ch.id, owner: ch.lease_owner },
      );
    }
    const [counts] = await tx.$queryRawUnsafe<Array<{ users: bigint; groups: bigint; cycles: bigint; holds: bigint }>>(
      `SELECT (SELECT count(*) FROM user_record WHERE channel_id = $1) AS users,
              (SELECT count(*) FROM group_record WHERE channel_id = $1) AS groups,
              (SELECT count(*) FROM cycle WHERE channel_id = $1) AS cycles,
              (SELECT count(*) FROM deprovision_hold WHERE channel_id = $1) AS holds`,
      ch.id,
    );
    await tx.$executeRawUnsafe(`DELETE FROM channel WHERE id = $1`, ch.id);
    // its waiting cycle job: a job already taken finds no channel and ends (run-cycle-job.ts)
    const [installed] = await tx.$queryRawUnsafe<Array<{ ok: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'graphile_worker' AND p.proname = 'remove_job') AS ok`,
    );
    if (installed?.ok) await tx.$queryRawUnsafe(`SELECT graphile_worker.remove_job($1::text)`, cycleJobKey(ch.id));
    return {
      id: ch.id,
      name: ch.name,
      connectionId: ch.connection_id,
      users: Number(counts?.users ?? 0),
      groups: Number(counts?.groups ?? 0),
      cycles: Number(counts?.cycles ?? 0),
      holds: Number(counts?.holds ?? 0),
    };
  });
  const { connectionId, ...result } = deleted;
  await recordAudit({
    actor: options.actor,
    via: options.via,
    channelId: result.id,
    action: "channel.delete",
    details: { name: result.name, connectionId, users: result.users, groups: result.groups, cycles: result.cycles, holds: result.holds },
  });
  return result;
}
