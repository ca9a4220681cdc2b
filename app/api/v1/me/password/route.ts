import { apiRoute } from "@/lib/api/handler";
import { ZChangeOwnPasswordBody } from "@/lib/api/schemas";
import { changeOwnPassword } from "@/lib/console-users/change-own-password";
import { AppError } from "@/lib/errors";

export const dynamic = "force-dynamic";

export const POST = apiRoute({ role: "viewer", body: ZChangeOwnPasswordBody, allowPasswordChange: true }, async ({ viewer, actor, body }) => {
  if (viewer.kind !== "user") throw new AppError("FORBIDDEN", "API tokens have no password");
  await changeOwnPassword({ userId: viewer.userId, currentSessionIdHash: viewer.sessionIdHash, ...body, ...actor });
  return { ok: true };
});
