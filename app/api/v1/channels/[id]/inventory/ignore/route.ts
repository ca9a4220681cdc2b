import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZIgnoreBody } from "@/lib/api/schemas";
import { ignoreTargetAccount } from "@/lib/channels/adopt-target-account";

export const dynamic = "force-dynamic";

/** Hides an unmanaged target user or group from the list (`ignore: false` shows it again). Nothing is sent to the target. */
export const POST = apiRoute({ role: "operator", params: ZIdParams, body: ZIgnoreBody }, async ({ params, body, actor }) =>
  ignoreTargetAccount({ channelId: params.id, kind: body.kind, scimId: body.scimId, ignore: body.ignore, ...actor }),
);
