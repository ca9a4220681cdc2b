import { apiRoute } from "@/lib/api/handler";
import { ZGroupQuery, ZIdParams } from "@/lib/api/schemas";
import { explainGroup } from "@/lib/channels/explain-group";

export const dynamic = "force-dynamic";

/** Why one directory group is in its state (read-only: never writes the store or the target). */
export const GET = apiRoute({ role: "viewer", params: ZIdParams, query: ZGroupQuery }, async ({ params, query }) => explainGroup({ channelId: params.id, group: query }));
