// The audit log, newest first, a page at a time (keyset on id): who did what to which
// channel, when, through which door (console, api, cli).
import { z } from "zod";
import { parseBigintId } from "../db/bigint-id.ts";
import { getDb } from "../db/index.ts";

export type TAuditEntry = {
  id: string;
  at: Date;
  actor: string;
  via: string;
  channelId: number | null;
  channelName: string | null;
  action: string;
  details: unknown;
};

/** The `before` token (an entry id) as the API reads it; anything else is refused, never read as "no token". */
export const ZAuditCursor = z.string().transform((s, ctx): bigint => {
  const id = parseBigintId(s);
  if (id !== null) return id;
  ctx.addIssue({ code: "custom", message: "not a page token this API gave out (nextCursor of the previous page): start from the first page again" });
  return z.NEVER;
});

/** The filters the audit page, the API and the export share. */
export type TAuditFilters = { channelId?: number; actor?: string; action?: string };

/** One page, newest first, below `before` (an entry id); `maxPage` caps what a caller may ask (the export pages bigger). */
export async function readAuditPage(options: TAuditFilters & { before?: bigint; limit?: number; maxPage?: number }): Promise<{ items: TAuditEntry[]; nextCursor: string | null }> {
  const db = await getDb();
  const take = Math.min(Math.max(options.limit ?? 50, 1), options.maxPage ?? 200);
  const rows = await db.auditLog.findMany({
    where: {
      ...(options.channelId !== undefined ? { channelId: options.channelId } : {}),
      ...(options.actor ? { actor: options.actor } : {}),
      ...(options.action ? { action: { startsWith: options.action } } : {}),
      ...(options.before !== undefined ? { id: { lt: options.before } } : {}),
    },
    orderBy: { id: "desc" },
    take: take + 1,
  });
  const page = rows.slice(0, take);
  const ids = [...new Set(page.map((r) => r.channelId).filter((x): x is number => x !== null))];
  const channels = ids.length ? await db.channel.findMany({ where: { id: { in: ids } }, select: { id: true, name: true } }) : [];
  const names = new Map(channels.map((c) => [c.id, c.name]));
  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      at: r.at,
      actor: r.actor,
      via: r.via,
      channelId: r.channelId,
      channelName: r.channelId !== null ? (names.get(r.channelId) ?? null) : null,
      action: r.action,
      details: r.details,
    })),
    nextCursor: rows.length > take ? (page[page.length - 1]?.id.toString() ?? null) : null,
  };
}

export async function listAudit(options: TAuditFilters & {
  /** the previous page's nextCursor, read with ZAuditCursor */
  before?: bigint;
  limit?: number;
}): Promise<{ items: TAuditEntry[]; nextCursor: string | null }> {
  return readAuditPage({ ...options, maxPage: 200 });
}
