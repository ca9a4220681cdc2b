import { apiRoute } from "@/lib/api/handler";
import { ZApproveHoldBody, ZHoldParams } from "@/lib/api/schemas";
import { approveDeprovisioning } from "@/lib/channels/decide-deprovisioning";

export const dynamic = "force-dynamic";

/** Approves a held deprovisioning, for the number of records the admin reviewed. Admins only: it disables or deletes people at the target. */
export const POST = apiRoute({ role: "admin", params: ZHoldParams, body: ZApproveHoldBody }, async ({ params, body, actor }) =>
  approveDeprovisioning({ channelId: params.id, holdId: params.holdId, count: body.count, ...actor }),
);
