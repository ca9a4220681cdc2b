import { apiRoute } from "@/lib/api/handler";
import { ZCyclesQuery, ZIdParams } from "@/lib/api/schemas";
import { listCycles } from "@/lib/channels/list-cycles";
import { requireChannel } from "@/lib/channels/require-channel";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ role: "viewer", params: ZIdParams, query: ZCyclesQuery }, async ({ params, query }) => {
  await requireChannel(params.id);
  return { cycles: await listCycles({ channelId: params.id, limit: query.limit }) };
});
