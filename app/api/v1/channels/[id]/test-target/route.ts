import { apiRoute } from "@/lib/api/handler";
import { ZIdParams } from "@/lib/api/schemas";
import { testStoredTarget } from "@/lib/channels/test-stored-target";

export const dynamic = "force-dynamic";

/** Test target with the channel's stored settings: discovery, the conformance probe, a suggested profile, warnings. Harmless requests only. */
export const POST = apiRoute({ role: "admin", params: ZIdParams }, async ({ params, actor }) => testStoredTarget({ channelId: params.id, ...actor }));
