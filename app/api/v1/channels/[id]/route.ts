import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZSaveChannelBody } from "@/lib/api/schemas";
import { getChannelOverview } from "@/lib/channels/get-channel-overview";
import { saveChannel } from "@/lib/channels/save-channel";

export const dynamic = "force-dynamic";

/** Overview: masked configuration, state, store counts, running cycle, last cycles. */
export const GET = apiRoute({ role: "viewer", params: ZIdParams }, async ({ params }) => getChannelOverview({ channelId: params.id }));

export const PUT = apiRoute({ role: "admin", params: ZIdParams, body: ZSaveChannelBody }, async ({ params, body, actor }) =>
  saveChannel({ channelId: params.id, config: body.config, ...actor }),
);
