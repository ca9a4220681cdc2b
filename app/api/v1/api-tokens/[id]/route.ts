import { apiRoute } from "@/lib/api/handler";
import { ZIdParams } from "@/lib/api/schemas";
import { revokeApiToken } from "@/lib/api-tokens/revoke-api-token";

export const dynamic = "force-dynamic";

/** Revokes the token (it stays listed as revoked, for the record). */
export const DELETE = apiRoute({ role: "admin", params: ZIdParams }, async ({ params, actor }) => revokeApiToken({ tokenId: params.id, ...actor }));
