import { apiRoute } from "@/lib/api/handler";
import { ZIdParams } from "@/lib/api/schemas";
import { deleteAlertDestination, updateAlertDestination, ZAlertDestinationBody } from "@/lib/alerts/destinations";

export const dynamic = "force-dynamic";

/** Replaces the destination's settings; a secret left out is kept (an SMTP password only for the same host). */
export const PUT = apiRoute({ role: "admin", params: ZIdParams, body: ZAlertDestinationBody }, async ({ params, body, actor }) =>
  updateAlertDestination({ id: params.id, body, ...actor }),
);

export const DELETE = apiRoute({ role: "admin", params: ZIdParams }, async ({ params, actor }) => deleteAlertDestination({ id: params.id, ...actor }));
