import { apiRoute } from "@/lib/api/handler";
import { ZMappingPreviewBody } from "@/lib/api/schemas";
import { previewMapping } from "@/lib/channels/preview-mapping";

export const dynamic = "force-dynamic";

/** As POST /channels/{id}/mapping-preview, for a channel not saved yet (its secrets given as values). */
export const POST = apiRoute({ role: "admin", body: ZMappingPreviewBody }, async ({ body, actor }) => previewMapping({ config: body.config, user: body.user, ...actor }));
