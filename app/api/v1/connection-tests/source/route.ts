import { apiRoute } from "@/lib/api/handler";
import { ZSourceTestBody } from "@/lib/api/schemas";
import { testSourceConnection } from "@/lib/channels/test-source-connection";

export const dynamic = "force-dynamic";

/** Binds to the directory with the given settings and reports what the channel would see. Admin: it connects where it is told, but a stored password only to its own host. Audited. */
export const POST = apiRoute({ role: "admin", body: ZSourceTestBody }, async ({ body, actor }) => testSourceConnection({ channelId: body.channelId, ...body.config, ...actor }));
