// A failure at the target level stops the whole push before the records are sent: the
// discovery request (GET /ServiceProviderConfig) answered 401 or an HTML page instead of
// SCIM, or the connection was refused. The error then belongs to
// every dirty record that was due to be pushed, so --show-dirty-records and the console
// show why it is still waiting and how often it was tried: one statement per table
// writes last_error, attempts + 1 and last_attempt_at. Records already attempted in this
// cycle (last_attempt_at at or after `since`) keep the outcome they got.
import { ScimError } from "../scim/errors.ts";
import type { TCycleContext } from "./context.ts";

export async function recordPushStopped(ctx: TCycleContext, err: unknown, since: Date): Promise<{ users: number; groups: number }> {
  const cause = err instanceof ScimError ? `${err.kind}: ${err.message}` : err instanceof Error ? err.message : String(err);
  const error = `${cause} (the push stopped before this record was sent)`;
  const due = `channel_id = $1 AND dirty AND pending_action <> 'NONE' AND (last_attempt_at IS NULL OR last_attempt_at < $3::timestamp(3))`;
  const set = `last_error = $2, attempts = attempts + 1, last_attempt_at = now(), updated_at = now()`;
  return ctx.lease.write(async (tx) => ({
    users: await tx.$executeRawUnsafe(`UPDATE user_record SET ${set} WHERE ${due}`, ctx.channel.id, error, since),
    groups: ctx.cfg.options.provisionGroups ? await tx.$executeRawUnsafe(`UPDATE group_record SET ${set} WHERE ${due}`, ctx.channel.id, error, since) : 0,
  }));
}

/** The database's clock as last_attempt_at stores it, for `since` above. */
export async function storeNow(ctx: TCycleContext): Promise<Date> {
  const rows = await ctx.db.$queryRawUnsafe<Array<{ t: Date }>>(`SELECT now()::timestamp(3) AS t`);
  return rows[0]!.t;
}
