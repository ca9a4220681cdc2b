// --show-channels: every channel with its connection and channel status, users/dirty
// counts, its source as an LDAP URL (RFC 4516) and its target.
import { getDb } from "../db/index.ts";
import { recordCounts } from "../records/record-counts.ts";
import { healthOf, type THealthView } from "./health-of.ts";
import { readStoredParts, type TStoredSource } from "../channel-config/stored.ts";
import { userScopeFilter } from "../ldap/scope.ts";

export type TChannelSummary = {
  id: number;
  name: string;
  connectionId: string;
  connectionStatus: "active" | "inactive";
  channelStatus: "active" | "inactive";
  users: number;
  dirtyUsers: number;
  groups: number;
  dirtyGroups: number;
  source: string;
  target: string;
  lastCycleAt: Date | null;
  lastCycleStatus: string | null;
  lastCycleMessage: string | null;
  /** when the worker last looked and found nothing to do (no cycle ran since): lib/sync/quiet-poll.ts */
  lastPolledAt: Date | null;
  /** users and groups whose deprovisioning the guard holds for approval */
  held: { users: number; groups: number };
  /** healthy, degraded, failing, quarantined, held, inactive or pending, and why */
  health: THealthView;
};

/** When the worker last looked and found nothing to do, if it did so after the last cycle (lib/sync/quiet-poll.ts); else null. */
export function lookSinceLastCycle(c: { lastPolledAt: Date | null; lastCycleAt: Date | null }): Date | null {
  return c.lastPolledAt && (!c.lastCycleAt || c.lastPolledAt > c.lastCycleAt) ? c.lastPolledAt : null;
}

/** ldap://host:port/baseDn??sub?(filter) — the scope as one LDAP URL. */
export function sourceAsLdapUrl(source: TStoredSource): string {
  const base = source.url.replace(/\/+$/, "");
  return `${base}/${encodeURI(source.baseDn)}??sub?${encodeURI(userScopeFilter(source))}`;
}

/** A URL with user:password@ in it is shown without the password. */
export function redactUrlCredentials(url: string): string {
  try {
    const u = new URL(url);
    if (!u.password) return url;
    u.password = "********";
    return u.toString();
  } catch {
    return url;
  }
}

export async function listChannels(): Promise<TChannelSummary[]> {
  const db = await getDb();
  const channels = await db.channel.findMany({ orderBy: { id: "asc" } });
  // kept by triggers in the same transaction as every record write (migration 0041): a
  // sum over a few rows per channel instead of count(*) over its records (130-200 ms at a
  // million users; this is under a millisecond)
  const counts = await recordCounts(db);
  const get = (id: number) => counts.get(id);
  const holds = await db.deprovisionHold.findMany({ where: { status: { in: ["HELD", "APPROVED"] } }, select: { channelId: true, kind: true, count: true, status: true } });
  const held = (id: number, kind: string) => holds.filter((h) => h.channelId === id && h.kind === kind).reduce((n, h) => n + h.count, 0);
  return channels.map((c) => {
    // a row that does not read back is shown as such; --show-source and cycles name what is wrong
    const { source, target } = readStoredParts(c);
    return {
      id: c.id,
      name: c.name,
      connectionId: c.connectionId,
      connectionStatus: c.connectionActive ? "active" : "inactive",
      channelStatus: c.active ? "active" : "inactive",
      users: get(c.id)?.users ?? 0,
      dirtyUsers: get(c.id)?.dirtyUsers ?? 0,
      groups: get(c.id)?.groups ?? 0,
      dirtyGroups: get(c.id)?.dirtyGroups ?? 0,
      source: source ? sourceAsLdapUrl(source) : "(invalid stored source)",
      target: target ? `SCIM 2.0 ${redactUrlCredentials(target.url)}` : "(invalid stored target)",
      lastCycleAt: c.lastCycleAt,
      lastCycleStatus: c.lastCycleStatus,
      lastCycleMessage: c.lastCycleMessage,
      lastPolledAt: lookSinceLastCycle(c),
      held: { users: held(c.id, "users"), groups: held(c.id, "groups") },
      health: healthOf(c, holds.filter((h) => h.channelId === c.id && h.status === "HELD").length),
    };
  });
}
