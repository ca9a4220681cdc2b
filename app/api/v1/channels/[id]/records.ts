// The users and groups routes are the same but for the kind.
import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZRecordParams, ZRecordQuery } from "@/lib/api/schemas";
import { getRecord } from "@/lib/channels/get-record";
import { listRecords } from "@/lib/channels/list-records";
import { recordHistory } from "@/lib/channels/record-history";

export function listRoute(kind: "user" | "group") {
  return apiRoute({ role: "viewer", params: ZIdParams, query: ZRecordQuery }, async ({ params, query }) =>
    listRecords({ channelId: params.id, kind, ...query }),
  );
}

export function detailRoute(kind: "user" | "group") {
  return apiRoute({ role: "viewer", params: ZRecordParams }, async ({ params }) =>
    kind === "user"
      ? getRecord({ channelId: params.id, kind: "user", recordId: params.recordId })
      : getRecord({ channelId: params.id, kind: "group", recordId: params.recordId }),
  );
}

export function historyRoute(kind: "user" | "group") {
  return apiRoute({ role: "viewer", params: ZRecordParams }, async ({ params }) => recordHistory({ channelId: params.id, kind, recordId: params.recordId }));
}
