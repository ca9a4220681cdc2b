import { apiRoute } from "@/lib/api/handler";
import { ZIdParams } from "@/lib/api/schemas";
import { forceNodeBackup } from "@/lib/nodes/force-node-backup";

export const dynamic = "force-dynamic";

/** provmgr --force-node-backup -n ID: the node goes to FAILOVER. */
export const POST = apiRoute({ role: "operator", params: ZIdParams }, async ({ params, actor }) => forceNodeBackup({ nodeId: params.id, ...actor }));
