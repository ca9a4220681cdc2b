import { apiRoute } from "@/lib/api/handler";
import { ZCreateConsoleUserBody } from "@/lib/api/schemas";
import { createConsoleUser } from "@/lib/console-users/create-console-user";
import { listConsoleUsers } from "@/lib/console-users/list-console-users";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ role: "admin" }, async () => ({ users: await listConsoleUsers() }));

export const POST = apiRoute({ role: "admin", body: ZCreateConsoleUserBody, status: 201 }, async ({ body, actor }) =>
  createConsoleUser({ ...body, ...actor }),
);
