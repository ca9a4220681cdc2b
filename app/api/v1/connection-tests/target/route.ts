import { apiRoute } from "@/lib/api/handler";
import { ZConnectionTestBody } from "@/lib/api/schemas";
import { testTargetConnection } from "@/lib/channels/test-target-connection";

export const dynamic = "force-dynamic";

/** Reads the SCIM target's /ServiceProviderConfig and counts its users and groups. */
export const POST = apiRoute({ role: "admin", body: ZConnectionTestBody }, async ({ body, actor }) => testTargetConnection({ ...body, ...actor }));
