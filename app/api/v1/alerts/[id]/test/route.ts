import { apiRoute } from "@/lib/api/handler";
import { ZIdParams } from "@/lib/api/schemas";
import { sendTestAlert } from "@/lib/alerts/deliver";
import { recordAudit } from "@/lib/audit/record-audit";

export const dynamic = "force-dynamic";

/** Sends a test alert now and says whether it arrived (the destination's answer, or why not). */
export const POST = apiRoute({ role: "admin", params: ZIdParams }, async ({ params, actor }) => {
  const r = await sendTestAlert(params.id);
  await recordAudit({ ...actor, action: "alert-destination.test", details: { id: params.id, ok: r.ok, error: r.error } });
  return r;
});
