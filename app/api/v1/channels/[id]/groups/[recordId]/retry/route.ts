import { apiRoute } from "@/lib/api/handler";
import { ZRecordParams } from "@/lib/api/schemas";
import { retryNow } from "@/lib/channels/retry-now";

export const dynamic = "force-dynamic";

/** "Retry now" for one dirty group record: it skips its backoff and a cycle is asked for at once. */
export const POST = apiRoute({ role: "operator", params: ZRecordParams }, async ({ params, actor }) =>
  retryNow({ channelId: params.id, record: { kind: "group", id: params.recordId }, ...actor }),
);
