import { apiRoute } from "@/lib/api/handler";
import { ZIdParams } from "@/lib/api/schemas";
import { listDeprovisionHolds } from "@/lib/channels/list-deprovision-holds";

export const dynamic = "force-dynamic";

/** Deprovisioning the guard held for approval, open and recently closed. */
export const GET = apiRoute({ role: "viewer", params: ZIdParams }, async ({ params }) => listDeprovisionHolds({ channelId: params.id }));
