// "Retry now": records the target keeps refusing wait between attempts (1, 2, 4 …
// minutes, at most the channel's recordRetryMaxSec); this lets one record, or every
// failing one, be tried by a cycle asked for at once.
import { recordAudit } from "../audit/record-audit.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { requestCycleSoon } from "../jobs/request-cycle.ts";
import { retryGroupsNow } from "../records/group-records.ts";
import { retryUsersNow } from "../records/user-records.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

export async function retryNow(
  options: { channelId: number; record?: { kind: "user" | "group"; id: string } } & TActor,
): Promise<{ users: number; groups: number; cycleRequested: boolean }> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  let users = 0;
  let groups = 0;
  if (options.record) {
    if (!/^\d{1,19}$/.test(options.record.id)) throw new AppError("INVALID_ARGUMENT", "a record id is a number");
    const id = BigInt(options.record.id);
    const n = options.record.kind === "user" ? await retryUsersNow(db, ch.id, id) : await retryGroupsNow(db, ch.id, id);
    if (n === 0) throw new AppError("NOT_FOUND", `channel ${ch.id} has no dirty ${options.record.kind} record ${options.record.id}: nothing to retry`);
    if (options.record.kind === "user") users = n;
    else groups = n;
  } else {
    users = await retryUsersNow(db, ch.id);
    groups = await retryGroupsNow(db, ch.id);
  }
  const cycleRequested = ch.active && ch.connectionActive && !quarantined(ch.quarantineUntil) ? await requestCycleSoon(ch.id, "retry now") : false;
  await recordAudit({ ...options, action: "retry-now", details: { users, groups, record: options.record ?? null } });
  return { users, groups, cycleRequested };
}

function quarantined(until: Date | null): boolean {
  return until !== null && until.getTime() > Date.now();
}
