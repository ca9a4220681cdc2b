import { apiRoute } from "@/lib/api/handler";
import { ZPlanQuery, ZSaveChannelBody } from "@/lib/api/schemas";
import { previewNewChannel } from "@/lib/channels/preview-channel-edit";

export const dynamic = "force-dynamic";

/**
 * The plan of a new channel's first cycle, before it is created ("Preview" on the new
 * channel form): the body is what POST /channels takes. Reads the directory; nothing is
 * created, saved or sent. Admin, as creating is; audited.
 */
export const POST = apiRoute({ role: "admin", query: ZPlanQuery, body: ZSaveChannelBody }, async ({ query, body, actor }) =>
  previewNewChannel({ config: body.config, limit: query.limit, ...actor }),
);
