import { apiRoute } from "@/lib/api/handler";
import { ZOperationBody, ZOperationParams } from "@/lib/api/schemas";
import { previewOperation } from "@/lib/channels/preview-operation";
import { runChannelOperation } from "@/lib/channels/run-operation";

export const dynamic = "force-dynamic";

/** What the operation would change, with counts (read-only). */
export const GET = apiRoute({ role: "viewer", params: ZOperationParams }, async ({ params }) =>
  previewOperation({ channelId: params.id, operation: params.operation }),
);

/** Runs a provmgr operation: the same lib function as `provmgr -c ID --<operation>`. */
export const POST = apiRoute({ role: "operator", params: ZOperationParams, body: ZOperationBody }, async ({ params, body, actor }) =>
  runChannelOperation({ channelId: params.id, operation: params.operation, confirm: body.confirm, ...actor }),
);
