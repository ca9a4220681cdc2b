import { apiRoute } from "@/lib/api/handler";
import { ZTargetTestBody } from "@/lib/api/schemas";
import { testTargetConnection } from "@/lib/channels/test-target-connection";

export const dynamic = "force-dynamic";

/** Reads the SCIM target's /ServiceProviderConfig and counts its users and groups. */
export const POST = apiRoute({ role: "admin", body: ZTargetTestBody }, async ({ body, actor }) => testTargetConnection({ channelId: body.channelId, ...body.config, ...actor }));
