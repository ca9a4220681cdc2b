import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZUserQuery } from "@/lib/api/schemas";
import { provisionOnDemand } from "@/lib/channels/provision-on-demand";

export const dynamic = "force-dynamic";

/** One user provisioned now, step by step, under the channel's lease. */
export const POST = apiRoute({ role: "operator", params: ZIdParams, body: ZUserQuery }, async ({ params, body, actor }) =>
  provisionOnDemand({ channelId: params.id, user: body, ...actor }),
);
