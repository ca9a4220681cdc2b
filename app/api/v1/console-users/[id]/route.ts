import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZUpdateConsoleUserBody } from "@/lib/api/schemas";
import { deleteConsoleUser } from "@/lib/console-users/delete-console-user";
import { updateConsoleUser } from "@/lib/console-users/update-console-user";

export const dynamic = "force-dynamic";

export const PATCH = apiRoute({ role: "admin", params: ZIdParams, body: ZUpdateConsoleUserBody }, async ({ params, body, actor }) =>
  updateConsoleUser({ userId: params.id, ...body, ...actor }),
);

export const DELETE = apiRoute({ role: "admin", params: ZIdParams }, async ({ params, actor }) => deleteConsoleUser({ userId: params.id, ...actor }));
