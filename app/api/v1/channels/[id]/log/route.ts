import { apiRoute } from "@/lib/api/handler";
import { ZIdParams } from "@/lib/api/schemas";
import { requireChannel } from "@/lib/channels/require-channel";
import { listProvisioningLog, ZLogQuery } from "@/lib/provisioning-log/read";

export const dynamic = "force-dynamic";

/** Every request Ferry sent to the channel's target, newest first (bodies redacted): filter by record, cycle, action, failures, name, time. */
export const GET = apiRoute({ role: "viewer", params: ZIdParams, query: ZLogQuery }, async ({ params, query }) => {
  await requireChannel(params.id);
  return listProvisioningLog(params.id, query);
});
