import { apiRoute } from "@/lib/api/handler";
import { ZAdoptBody, ZIdParams } from "@/lib/api/schemas";
import { adoptTargetAccount } from "@/lib/channels/adopt-target-account";

export const dynamic = "force-dynamic";

/** Adopts an unmanaged target user for a directory user (linked at its next push); `user: null` takes it back. */
export const POST = apiRoute({ role: "admin", params: ZIdParams, body: ZAdoptBody }, async ({ params, body, actor }) =>
  adoptTargetAccount({ channelId: params.id, scimId: body.scimId, user: body.user, ...actor }),
);
