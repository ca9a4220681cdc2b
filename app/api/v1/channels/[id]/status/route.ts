import { apiRoute } from "@/lib/api/handler";
import { ZChannelStatusBody, ZIdParams } from "@/lib/api/schemas";
import { setChannelActive } from "@/lib/channels/set-channel-active";

export const dynamic = "force-dynamic";

/** Activate or deactivate the channel and/or its connection (configuration: admin). */
export const POST = apiRoute({ role: "admin", params: ZIdParams, body: ZChannelStatusBody }, async ({ params, body, actor }) =>
  setChannelActive({ channelId: params.id, ...body, ...actor }),
);
