import { apiRoute } from "@/lib/api/handler";
import { ZHoldParams, ZRejectHoldBody } from "@/lib/api/schemas";
import { rejectDeprovisioning } from "@/lib/channels/decide-deprovisioning";

export const dynamic = "force-dynamic";

/** Rejects a held deprovisioning: nobody it covers is disabled or deleted. Admins only, as approving is. */
export const POST = apiRoute({ role: "admin", params: ZHoldParams, body: ZRejectHoldBody }, async ({ params, body, actor }) =>
  rejectDeprovisioning({ channelId: params.id, holdId: params.holdId, count: body.count, reason: body.reason, ...actor }),
);
