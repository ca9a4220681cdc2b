import { apiRoute } from "@/lib/api/handler";
import { listAlertDeliveries } from "@/lib/alerts/deliver";
import { createAlertDestination, listAlertDestinations, ZAlertDestinationBody } from "@/lib/alerts/destinations";

export const dynamic = "force-dynamic";

/** Alert destinations (secrets masked) and the latest deliveries. */
export const GET = apiRoute({ role: "admin" }, async () => ({ destinations: await listAlertDestinations(), deliveries: await listAlertDeliveries({ limit: 50 }) }));

export const POST = apiRoute({ role: "admin", body: ZAlertDestinationBody, status: 201 }, async ({ body, actor }) => createAlertDestination({ body, ...actor }));
