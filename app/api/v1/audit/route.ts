import { apiRoute } from "@/lib/api/handler";
import { ZAuditQuery } from "@/lib/api/schemas";
import { listAudit } from "@/lib/audit/list-audit";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ role: "viewer", query: ZAuditQuery }, async ({ query }) => listAudit(query));
