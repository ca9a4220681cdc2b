import { apiRoute } from "@/lib/api/handler";
import { getEnv } from "@/lib/env";
import { listNodes } from "@/lib/nodes/list-nodes";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ role: "viewer" }, async () => ({
  heartbeatSec: getEnv().FERRY_HEARTBEAT_SEC,
  nodes: await listNodes({ heartbeatSec: getEnv().FERRY_HEARTBEAT_SEC }),
}));
