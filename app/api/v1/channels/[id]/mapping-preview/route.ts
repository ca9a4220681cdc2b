import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZMappingPreviewBody } from "@/lib/api/schemas";
import { previewMapping } from "@/lib/channels/preview-mapping";

export const dynamic = "force-dynamic";

/**
 * One directory user through the channel's mapping as edited, before it is saved: the
 * values, the resource a create sends and the PATCH against what the target holds now.
 * The body is what PUT /channels/{id} takes, plus the user. Admin, as saving is; audited.
 */
export const POST = apiRoute({ role: "admin", params: ZIdParams, body: ZMappingPreviewBody }, async ({ params, body, actor }) =>
  previewMapping({ channelId: params.id, config: body.config, user: body.user, ...actor }),
);
