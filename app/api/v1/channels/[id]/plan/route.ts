import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZPlanQuery } from "@/lib/api/schemas";
import { planCycle } from "@/lib/channels/plan-cycle";

export const dynamic = "force-dynamic";

/**
 * What the channel's next cycle would send and what the guard would hold (a dry run):
 * counts per action, the first `limit` records of each with attribute diffs. Reads the
 * directory; changes nothing in the store and sends nothing to the target.
 */
export const GET = apiRoute({ role: "viewer", params: ZIdParams, query: ZPlanQuery }, async ({ params, query }) =>
  planCycle({ channelId: params.id, full: query.full, limit: query.limit }),
);
