import { apiRoute } from "@/lib/api/handler";
import { ZSaveChannelBody } from "@/lib/api/schemas";
import { listChannelsLive } from "@/lib/channels/list-channels-live";
import { saveChannel } from "@/lib/channels/save-channel";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ role: "viewer" }, async () => ({ channels: await listChannelsLive() }));

export const POST = apiRoute({ role: "admin", body: ZSaveChannelBody, status: 201 }, async ({ body, actor }) =>
  saveChannel({ config: body.config, ...actor }),
);
