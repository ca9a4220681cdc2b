import { apiRoute } from "@/lib/api/handler";
import { ZAuditExportQuery } from "@/lib/api/schemas";
import { exportAudit } from "@/lib/audit/export-audit";

export const dynamic = "force-dynamic";

/** The filtered audit log as a CSV or JSON download, streamed a page at a time (admins). */
export const GET = apiRoute({ role: "admin", query: ZAuditExportQuery }, async ({ query, actor }) => {
  const { stream, contentType, filename } = await exportAudit({ ...query, requestedBy: actor.actor, via: actor.via });
  return new Response(stream, {
    headers: {
      "content-type": contentType,
      "content-disposition": `attachment; filename="${filename}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
});
