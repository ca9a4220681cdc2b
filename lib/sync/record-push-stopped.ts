// A failure at the target level stops the whole push before the records are sent: the
// discovery request (GET /ServiceProviderConfig) answered 401 or an HTML page instead of
// SCIM, or the connection was refused. The error then belongs to
// every dirty record that was due to be pushed, so --show-dirty-records and the console
// show why it is still waiting and how often it was tried: one statement per table
// writes last_error, attempts + 1 and last_attempt_at. Records already attempted in this
// cycle (last_attempt_at at or after `since`) keep the outcome they got.
import { noteGroupsPushStopped } from "../records/group-records.ts";
import { noteUsersPushStopped } from "../records/user-records.ts";
import { ScimError } from "../scim/errors.ts";
import type { TCycleContext } from "./context.ts";

export async function recordPushStopped(ctx: TCycleContext, err: unknown, since: Date): Promise<{ users: number; groups: number }> {
  const cause = err instanceof ScimError ? `${err.kind}: ${err.message}` : err instanceof Error ? err.message : String(err);
  const error = `${cause} (the push stopped before this record was sent)`;
  return ctx.lease.write(async (tx) => ({
    users: await noteUsersPushStopped(tx, ctx.channel.id, error, since),
    groups: ctx.cfg.options.provisionGroups ? await noteGroupsPushStopped(tx, ctx.channel.id, error, since) : 0,
  }));
}

/** The database's clock as last_attempt_at stores it, for `since` above. */
export async function storeNow(ctx: TCycleContext): Promise<Date> {
  const rows = await ctx.db.$queryRawUnsafe<Array<{ t: Date }>>(`SELECT now()::timestamp(3) AS t`);
  return rows[0]!.t;
}
