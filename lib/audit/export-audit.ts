// The audit log as a download (admins): the filtered log, newest first, as CSV or JSON,
// streamed a page at a time (keyset on id, 500 entries per query) so an export of a
// million entries holds one page in memory, never the log. The export itself is an
// audit entry (who took which part of the log).
//
// CSV cells that a spreadsheet would read as a formula (=, +, -, @, tab, CR first) get a
// leading apostrophe: an actor is whatever name someone typed into the sign-in form.
import { recordAudit } from "./record-audit.ts";
import { readAuditPage, type TAuditEntry, type TAuditFilters } from "./list-audit.ts";

export type TAuditExportFormat = "csv" | "json";

const PAGE = 500;
const CSV_COLUMNS = ["id", "at", "actor", "via", "channel_id", "channel_name", "action", "details"] as const;

export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

function csvRow(e: TAuditEntry): string {
  const cells = [e.id, e.at.toISOString(), e.actor, e.via, e.channelId === null ? "" : String(e.channelId), e.channelName ?? "", e.action, e.details === null || e.details === undefined ? "" : JSON.stringify(e.details)];
  return `${cells.map(csvCell).join(",")}\r\n`;
}

function jsonEntry(e: TAuditEntry): string {
  return JSON.stringify({ id: e.id, at: e.at.toISOString(), actor: e.actor, via: e.via, channelId: e.channelId, channelName: e.channelName, action: e.action, details: e.details ?? null });
}

/** Every entry matching the filters, newest first, a page per query. */
async function* entries(filters: TAuditFilters, pageSize: number): AsyncGenerator<TAuditEntry> {
  let before: bigint | undefined;
  for (;;) {
    const page = await readAuditPage({ ...filters, before, limit: pageSize, maxPage: pageSize });
    for (const e of page.items) yield e;
    if (!page.nextCursor) return;
    before = BigInt(page.nextCursor);
  }
}

export async function exportAudit(
  options: TAuditFilters & { format: TAuditExportFormat; actor?: string; requestedBy: string; via: string; pageSize?: number },
): Promise<{ stream: ReadableStream<Uint8Array>; contentType: string; filename: string }> {
  const filters: TAuditFilters = { channelId: options.channelId, actor: options.actor, action: options.action };
  await recordAudit({ actor: options.requestedBy, via: options.via, action: "audit.export", details: { format: options.format, filters } });
  const it = entries(filters, options.pageSize ?? PAGE);
  const enc = new TextEncoder();
  let first = true;
  let done = false;
  const stream = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (done) return;
      // a page's worth of entries per pull
      let chunk = "";
      if (first) chunk += options.format === "csv" ? `${CSV_COLUMNS.join(",")}\r\n` : "[\n";
      for (let n = 0; n < (options.pageSize ?? PAGE); n++) {
        const next = await it.next();
        if (next.done) {
          done = true;
          if (options.format === "json") chunk += first ? "]\n" : "\n]\n";
          break;
        }
        chunk += options.format === "csv" ? csvRow(next.value) : `${first ? "" : ",\n"}${jsonEntry(next.value)}`;
        first = false;
      }
      if (chunk) controller.enqueue(enc.encode(chunk));
      if (done) controller.close();
    },
    async cancel() {
      await it.return(undefined);
    },
  });
  const stamp = new Date().toISOString().replace(/[:.]/g, "-").slice(0, 19);
  return {
    stream,
    contentType: options.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
    filename: `ferry-audit-${stamp}.${options.format}`,
  };
}
