// The provisioning log as a download, CSV or JSON, streamed a page at a time.
import type { NextRequest } from "next/server";
import { z } from "zod";
import { readViewer } from "@/lib/auth/read-viewer";
import { hasRole } from "@/lib/auth/roles";
import { requireChannel } from "@/lib/channels/require-channel";
import { toAppError } from "@/lib/errors";
import { csvLine, LOG_CSV_COLUMNS, streamProvisioningLog, ZLogQuery } from "@/lib/provisioning-log/read";
import { toJson } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

const ZExportQuery = ZLogQuery.extend({ format: z.enum(["csv", "json"]).default("csv") });

export async function GET(request: NextRequest, context: { params: Promise<Record<string, string>> }): Promise<Response> {
  try {
    const viewer = await readViewer({ authorization: request.headers.get("authorization"), cookies: request.cookies });
    if (!viewer || !hasRole(viewer.role, "viewer")) return Response.json({ error: { code: "UNAUTHORIZED", message: "sign in, or send an API token" } }, { status: 401 });
    const id = Number((await context.params).id);
    const parsed = ZExportQuery.safeParse(Object.fromEntries(request.nextUrl.searchParams));
    if (!Number.isInteger(id) || id <= 0 || !parsed.success) return Response.json({ error: { code: "INVALID_ARGUMENT", message: parsed.success ? "id: a channel id" : parsed.error.message } }, { status: 400 });
    await requireChannel(id);
    const { format, ...q } = parsed.data;
    const enc = new TextEncoder();
    const pages = streamProvisioningLog(id, q);
    let first = true;
    const body = new ReadableStream<Uint8Array>({
      async start(c) {
        c.enqueue(enc.encode(format === "csv" ? csvLine(LOG_CSV_COLUMNS) : "["));
      },
      async pull(c) {
        const next = await pages.next();
        if (next.done) {
          if (format === "json") c.enqueue(enc.encode("]\n"));
          c.close();
          return;
        }
        for (const e of next.value) {
          if (format === "csv") c.enqueue(enc.encode(csvLine(LOG_CSV_COLUMNS.map((k) => e[k]))));
          else {
            c.enqueue(enc.encode(`${first ? "" : ","}\n${toJson(e)}`));
            first = false;
          }
        }
      },
      async cancel() {
        await pages.return(undefined);
      },
    });
    const stamp = new Date().toISOString().replace(/[:.]/g, "-");
    return new Response(body, {
      headers: {
        "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/json",
        "content-disposition": `attachment; filename="ferry-channel-${id}-log-${stamp}.${format}"`,
        "cache-control": "no-store",
      },
    });
  } catch (err) {
    const e = toAppError(err);
    return Response.json({ error: { code: e.code, message: e.message } }, { status: e.httpStatus });
  }
}
