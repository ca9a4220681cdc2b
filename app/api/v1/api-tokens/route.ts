import { apiRoute } from "@/lib/api/handler";
import { ZCreateApiTokenBody } from "@/lib/api/schemas";
import { createApiToken } from "@/lib/api-tokens/create-api-token";
import { listApiTokens } from "@/lib/api-tokens/list-api-tokens";

export const dynamic = "force-dynamic";

export const GET = apiRoute({ role: "admin" }, async () => ({ tokens: await listApiTokens() }));

/** The answer carries the token itself, once; only its hash is kept. */
export const POST = apiRoute({ role: "admin", body: ZCreateApiTokenBody, status: 201 }, async ({ body, actor }) => createApiToken({ ...body, ...actor }));
