// A user's or group's history as far as the store knows it: when a cycle first saw the
// record, its last change in the directory, the cycles that last pushed it and what the
// target answered, and the channel operations run since it was first seen that touch
// records of its kind (resets, clears, deletes). A per-call provisioning log will give
// finer history once it exists (DESIGN.md, "Where it is going").
import { getDb } from "../db/index.ts";
import { ldapTimeToMs } from "../ldap/scope.ts";
import { getRecord } from "./get-record.ts";

export type THistoryEvent = {
  at: Date;
  source: "record" | "cycle" | "operation";
  title: string;
  detail?: string | null;
  status?: string | null;
  actor?: string | null;
};

export type TRecordHistory = {
  record: { id: string; kind: "user" | "group"; providerName: string | null; dn: string; guid: string; scimId: string | null; dirty: boolean; lastError: string | null };
  events: THistoryEvent[];
};

export async function recordHistory(options: { channelId: number; kind: "user" | "group"; recordId: string }): Promise<TRecordHistory> {
  const rec = options.kind === "user" ? await getRecord({ ...options, kind: "user" }) : await getRecord({ ...options, kind: "group" });
  const db = await getDb();
  const events: THistoryEvent[] = [];
  const noun = options.kind;

  events.push({ at: rec.createdAt, source: "record", title: `First seen: a cycle read this ${noun} from the directory` });
  const ldapMs = ldapTimeToMs(rec.ldapTimestamp);
  if (ldapMs > 0) events.push({ at: new Date(ldapMs), source: "record", title: "Last changed in the directory", detail: `LDAP timestamp ${rec.ldapTimestamp}` });
  if (rec.lastAttemptAt) {
    events.push({
      at: rec.lastAttemptAt,
      source: "record",
      title: rec.lastError ? `Push failed (attempt ${rec.attempts})` : "Last push attempt",
      detail: rec.lastError,
      status: rec.lastError ? "FAILED" : null,
    });
  }
  if (rec.lastSyncedAt) {
    events.push({ at: rec.lastSyncedAt, source: "record", title: "Acknowledged by the service provider", detail: rec.scimId ? `SCIM id ${rec.scimId}` : null, status: "SUCCESS" });
  }

  // the cycles that were running at those moments
  const moments = [rec.createdAt, rec.lastAttemptAt, rec.lastSyncedAt].filter((d): d is Date => d instanceof Date);
  const cycles = await db.$queryRawUnsafe<Array<{ id: bigint; kind: string; status: string; started_at: Date; finished_at: Date | null; message: string | null; node_id: number | null }>>(
    `SELECT DISTINCT c.id, c.kind, c.status::text AS status, c.started_at, c.finished_at, c.message, c.node_id
       FROM cycle c, unnest($2::timestamp(3)[]) AS m(at)
      WHERE c.channel_id = $1 AND c.started_at <= m.at AND (c.finished_at IS NULL OR c.finished_at >= m.at)
      ORDER BY c.started_at DESC LIMIT 10`,
    options.channelId,
    moments,
  );
  for (const c of cycles) {
    events.push({
      at: c.started_at,
      source: "cycle",
      title: `Cycle #${c.id} (${c.kind})${c.node_id ? ` on node ${c.node_id}` : ""}`,
      detail: c.message,
      status: c.status,
    });
  }

  // channel operations since the record was first seen that act on records of its kind
  const kindWord = options.kind === "user" ? "user" : "group";
  const audits = await db.auditLog.findMany({
    where: { channelId: options.channelId, at: { gte: rec.createdAt } },
    orderBy: { id: "desc" },
    take: 200,
  });
  for (const a of audits) {
    const act = a.action;
    const relevant =
      act.startsWith("reset-") ||
      act === "delete-all" ||
      (act === "delete-all-users" && kindWord === "user") ||
      act.startsWith("channel.") ||
      ((act.startsWith("clear-dirty-records:") || act.startsWith("delete-dirty-records:")) && (act.endsWith(":all") || act.endsWith(`:${kindWord}s`)));
    if (!relevant) continue;
    events.push({ at: a.at, source: "operation", title: act, actor: `${a.actor} (${a.via})`, detail: a.details ? JSON.stringify(a.details) : null });
    if (events.length > 80) break;
  }

  events.sort((x, y) => y.at.getTime() - x.at.getTime());
  return {
    record: { id: rec.id, kind: options.kind, providerName: rec.providerName, dn: rec.dn, guid: rec.guid, scimId: rec.scimId, dirty: rec.dirty, lastError: rec.lastError },
    events,
  };
}
