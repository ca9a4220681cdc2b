import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZInventoryQuery } from "@/lib/api/schemas";
import { listUnmanagedAccounts } from "@/lib/channels/list-unmanaged";
import { takeTargetInventory } from "@/lib/channels/take-target-inventory";

export const dynamic = "force-dynamic";

/** The target's unmanaged users or groups (no record linked), as the last inventory found them; keyset-paged by name. */
export const GET = apiRoute({ role: "viewer", params: ZIdParams, query: ZInventoryQuery }, async ({ params, query }) =>
  listUnmanagedAccounts({ channelId: params.id, kind: query.kind, includeIgnored: query.ignored, limit: query.limit, ...(query.after ? { after: query.after } : {}) }),
);

/** Takes the inventory now: lists the target's users and groups in pages (read-only at the target). */
export const POST = apiRoute({ role: "operator", params: ZIdParams }, async ({ params, actor }) => takeTargetInventory({ channelId: params.id, ...actor }));
