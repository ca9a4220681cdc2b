import { apiRoute } from "@/lib/api/handler";
import { ZIdParams } from "@/lib/api/schemas";
import { cycleHistory, ZHistoryQuery } from "@/lib/channels/cycle-history";
import { requireChannel } from "@/lib/channels/require-channel";

export const dynamic = "force-dynamic";

/** Cycles over time in buckets (6h, 24h or 7d): outcomes, durations, pushes, refusals and the backlog. */
export const GET = apiRoute({ role: "viewer", params: ZIdParams, query: ZHistoryQuery }, async ({ params, query }) => {
  await requireChannel(params.id);
  return cycleHistory({ channelId: params.id, range: query.range });
});
