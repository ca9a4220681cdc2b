import { apiRoute } from "@/lib/api/handler";
import { hasRole } from "@/lib/auth/roles";
import { AppError } from "@/lib/errors";
import { ZIdParams, ZPlanQuery, ZSaveChannelBody } from "@/lib/api/schemas";
import { planCycle } from "@/lib/channels/plan-cycle";
import { previewChannelEdit } from "@/lib/channels/preview-channel-edit";

export const dynamic = "force-dynamic";

/**
 * What the channel's next cycle would send and what the guard would hold (a dry run):
 * counts per action, the first `limit` records of each with attribute diffs. Reads the
 * directory; changes nothing in the store and sends nothing to the target.
 */
export const GET = apiRoute({ role: "viewer", params: ZIdParams, query: ZPlanQuery }, async ({ params, query, viewer }) => {
  // a full plan reads the whole scope and makes the channel's cycles wait meanwhile: operators
  if (query.full && !hasRole(viewer.role, "operator")) throw new AppError("FORBIDDEN", "a full plan reads the whole directory scope and holds the channel's cycles meanwhile: it needs the operator role");
  return planCycle({ channelId: params.id, full: query.full, limit: query.limit });
});

/**
 * The same plan for an edit of the channel before it is saved ("Preview changes"): the
 * body is what PUT /channels/{id} takes. Admin, as saving is; audited.
 */
export const POST = apiRoute({ role: "admin", params: ZIdParams, query: ZPlanQuery, body: ZSaveChannelBody }, async ({ params, query, body, actor }) =>
  previewChannelEdit({ channelId: params.id, config: body.config, limit: query.limit, ...actor }),
);
