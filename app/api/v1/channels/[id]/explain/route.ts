import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZUserQuery } from "@/lib/api/schemas";
import { explainUser } from "@/lib/channels/explain-user";

export const dynamic = "force-dynamic";

/** Why one directory user is in its state (read-only: never writes the store or the target). */
export const GET = apiRoute({ role: "viewer", params: ZIdParams, query: ZUserQuery }, async ({ params, query }) => explainUser({ channelId: params.id, user: query }));
