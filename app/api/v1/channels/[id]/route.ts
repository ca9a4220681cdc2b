import { apiRoute } from "@/lib/api/handler";
import { ZDeleteChannelBody, ZIdParams, ZSaveChannelBody } from "@/lib/api/schemas";
import { deleteChannel } from "@/lib/channels/delete-channel";
import { getChannelOverview } from "@/lib/channels/get-channel-overview";
import { saveChannel } from "@/lib/channels/save-channel";

export const dynamic = "force-dynamic";

/** Overview: masked configuration, state, store counts, running cycle, last cycles. */
export const GET = apiRoute({ role: "viewer", params: ZIdParams }, async ({ params }) => getChannelOverview({ channelId: params.id }));

export const PUT = apiRoute({ role: "admin", params: ZIdParams, body: ZSaveChannelBody }, async ({ params, body, actor }) =>
  saveChannel({ channelId: params.id, config: body.config, ...actor }),
);

/** Deletes the channel and its store; the body confirms with the channel's name. */
export const DELETE = apiRoute({ role: "admin", params: ZIdParams, body: ZDeleteChannelBody }, async ({ params, body, actor }) =>
  deleteChannel({ channelId: params.id, confirm: body.confirm, ...actor }),
);
