// Who is asking, from a request's credentials: `Authorization: Bearer fry_…` (an API
// token) or the next-auth session cookie (a console user). The cookie is decoded with
// the console's secret; the session row and the user are then read fresh, so sign-out,
// revocation, disabling and role changes hold from the next request on.
import { getToken } from "next-auth/jwt";
import { verifyApiToken } from "./verify-api-token.ts";
import { useSecureCookies } from "./auth-env.ts";
import { getAuthSecret } from "./auth-secret.ts";
import { resolveSession } from "./resolve-session.ts";
import type { TViewer } from "./viewer.ts";

type TCookieSource = { getAll(): Array<{ name: string; value: string }> };

export async function readViewer(request: { authorization: string | null; cookies: TCookieSource }): Promise<TViewer | null> {
  const auth = request.authorization?.trim();
  if (auth) {
    const m = /^Bearer\s+(\S+)$/i.exec(auth);
    // a request that presents a token stands or falls with it (no fallback to the cookie)
    return m?.[1] ? verifyApiToken({ token: m[1] }) : null;
  }
  const token = await getToken({
    req: { cookies: request.cookies, headers: {} } as never, // next-auth types want an IncomingMessage or NextRequest; it reads cookies only
    secret: getAuthSecret(),
    secureCookie: useSecureCookies(),
  });
  const sid = typeof token?.sid === "string" ? token.sid : null;
  return sid ? resolveSession(sid) : null;
}
