import { apiRoute } from "@/lib/api/handler";
import { ZIdParams, ZResetPasswordBody } from "@/lib/api/schemas";
import { resetConsoleUserPassword } from "@/lib/console-users/reset-console-user-password";

export const dynamic = "force-dynamic";

/** An admin sets a new password; the user's sessions end and they change it on next sign-in. */
export const POST = apiRoute({ role: "admin", params: ZIdParams, body: ZResetPasswordBody }, async ({ params, body, actor }) => {
  await resetConsoleUserPassword({ userId: params.id, password: body.password, ...actor });
  return { ok: true };
});
