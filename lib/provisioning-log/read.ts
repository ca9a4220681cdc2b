// Reading the provisioning log: newest first, filtered by record, cycle, action, failures,
// name and time, in keyset pages (at, id) over the (channel_id, at, id) index, and as a
// stream of pages for CSV/JSON downloads.
import { z } from "zod";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import type { TLogEntry } from "./writer.ts";

/** One entry as the API answers it: what the writer stored (TLogEntry), with its ids as strings. */
export type TLogEntryView = Omit<TLogEntry, "recordId"> & {
  id: string;
  nodeId: number | null;
  cycleId: string | null;
  recordId: string | null;
};

const ZBigId = z.string().regex(/^\d{1,19}$/, "a number");

export const ZLogQuery = z.object({
  kind: z.enum(["user", "group"]).optional(),
  record: ZBigId.optional(),
  cycle: ZBigId.optional(),
  action: z.string().max(40).optional(),
  /** only requests that failed (no answer, 3xx, 4xx, 5xx) */
  failed: z.enum(["1", "true", "0", "false"]).optional(),
  /** a user name or group name, as the log recorded it (prefix, case-insensitive) */
  q: z.string().max(200).optional(),
  from: z.string().datetime({ offset: true }).optional(),
  to: z.string().datetime({ offset: true }).optional(),
  /** the previous page's nextCursor */
  before: z.string().regex(/^\d+\.\d+$/, "a cursor given by the previous page").optional(),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});
export type TLogQuery = z.infer<typeof ZLogQuery>;

function where(channelId: number, q: TLogQuery): { sql: string; args: unknown[] } {
  const args: unknown[] = [channelId];
  const parts = ["channel_id = $1"];
  const add = (cond: (n: number) => string, v: unknown) => {
    args.push(v);
    parts.push(cond(args.length));
  };
  if (q.kind) add((n) => `record_kind = $${n}`, q.kind);
  if (q.record) add((n) => `record_id = $${n}::bigint`, q.record);
  if (q.cycle) add((n) => `cycle_id = $${n}::bigint`, q.cycle);
  if (q.action) add((n) => `action = $${n}`, q.action);
  if (q.failed === "1" || q.failed === "true") parts.push("(status = 0 OR status >= 300)");
  if (q.q) add((n) => `lower(record_name) LIKE $${n}`, `${q.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (q.from) add((n) => `at >= $${n}::timestamptz`, q.from);
  if (q.to) add((n) => `at < $${n}::timestamptz`, q.to);
  return { sql: parts.join(" AND "), args };
}

const COLUMNS = `id, at, node_id AS "nodeId", cycle_id AS "cycleId", record_kind AS "recordKind", record_id AS "recordId", record_name AS "recordName",
  record_guid AS "recordGuid", action, method, path, status, duration_ms AS "durationMs", attempt, error, request_body AS "requestBody", response_body AS "responseBody"`;

type TRow = Omit<TLogEntryView, "id" | "cycleId" | "recordId"> & { id: bigint; cycleId: bigint | null; recordId: bigint | null };

const view = (r: TRow): TLogEntryView => ({ ...r, id: String(r.id), cycleId: r.cycleId === null ? null : String(r.cycleId), recordId: r.recordId === null ? null : String(r.recordId) });

export async function listProvisioningLog(channelId: number, q: TLogQuery): Promise<{ entries: TLogEntryView[]; nextCursor: string | null }> {
  const db = await getDb();
  const limit = q.limit ?? 100;
  const w = where(channelId, q);
  let cursor = "";
  if (q.before) {
    const [ms, id] = q.before.split(".");
    const at = new Date(Number(ms));
    if (Number.isNaN(at.getTime())) throw new AppError("INVALID_ARGUMENT", "before: a cursor given by the previous page");
    w.args.push(at, id);
    cursor = ` AND (at, id) < ($${w.args.length - 1}::timestamp, $${w.args.length}::bigint)`;
  }
  w.args.push(limit + 1);
  const rows = await db.$queryRawUnsafe<TRow[]>(`SELECT ${COLUMNS} FROM provisioning_log WHERE ${w.sql}${cursor} ORDER BY at DESC, id DESC LIMIT $${w.args.length}`, ...w.args);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { entries: page.map(view), nextCursor: rows.length > limit && last ? `${last.at.getTime()}.${last.id}` : null };
}

/** Every matching entry, newest first, a page at a time (downloads never hold the whole log). */
export async function* streamProvisioningLog(channelId: number, q: TLogQuery): AsyncGenerator<TLogEntryView[]> {
  let before = q.before;
  for (;;) {
    const page = await listProvisioningLog(channelId, { ...q, before, limit: 500 });
    if (page.entries.length > 0) yield page.entries;
    if (!page.nextCursor) return;
    before = page.nextCursor;
  }
}

export const LOG_CSV_COLUMNS: Array<keyof TLogEntryView> = ["at", "cycleId", "nodeId", "recordKind", "recordId", "recordName", "recordGuid", "action", "method", "path", "status", "durationMs", "attempt", "error", "requestBody", "responseBody"];

export function csvLine(values: unknown[]): string {
  return `${values
    .map((v) => {
      if (v === null || v === undefined) return "";
      const s = v instanceof Date ? v.toISOString() : String(v);
      // a leading = + - @ would be a formula to a spreadsheet
      const safe = /^[=+\-@\t\r]/.test(s) ? `'${s}` : s;
      return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
    })
    .join(",")}\r\n`;
}
