// next-auth (v4) configuration: a credentials sign-in against console_user, JWT cookies
// that carry only a session id, and that session's row as the source of truth
// (resolveSession). next-auth gives the sign-in/sign-out endpoints their own CSRF
// double-submit token and sets the cookie HttpOnly, SameSite=Lax, and Secure with a
// __Secure- prefix when NEXTAUTH_URL is https.
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { AppError } from "../errors.ts";
import { logger } from "../log.ts";
import { getAuthEnv } from "./auth-env.ts";
import { getAuthSecret } from "./auth-secret.ts";
import { clientAddress } from "./client-address.ts";
import { requestPeer } from "./request-peer.ts";
import { HOME_PATH, safeReturnPath } from "./return-path.ts";
import { signIn } from "./sign-in.ts";
import { signOut } from "./sign-out.ts";

function header(h: unknown, name: string): string | null {
  if (!h) return null;
  if (typeof (h as Headers).get === "function") return (h as Headers).get(name);
  const v = (h as Record<string, string | string[] | undefined>)[name];
  return Array.isArray(v) ? (v[0] ?? null) : (v ?? null);
}

let peerWarned = false;
function warnPeerUnknown(): void {
  if (peerWarned) return;
  peerWarned = true;
  logger.warn("the console does not know the address requests come from (not started by scripts/console-server.ts, e.g. `next start`): sign-ins are limited per user name only, not per address");
}

export function getAuthOptions(): NextAuthOptions {
  const env = getAuthEnv();
  return {
    secret: getAuthSecret(),
    session: { strategy: "jwt", maxAge: env.FERRY_SESSION_HOURS * 3600 },
    jwt: { maxAge: env.FERRY_SESSION_HOURS * 3600 },
    pages: { signIn: "/login", error: "/login" },
    providers: [
      CredentialsProvider({
        name: "Ferry",
        credentials: { username: { label: "User name", type: "text" }, password: { label: "Password", type: "password" } },
        async authorize(credentials, req) {
          // the socket's address, or X-Forwarded-For as far as FERRY_TRUSTED_PROXIES vouch for it
          const peer = requestPeer();
          if (peer === undefined) warnPeerUnknown();
          const ip = clientAddress({ peer, forwardedFor: header(req?.headers, "x-forwarded-for") });
          try {
            const r = await signIn({
              username: String(credentials?.username ?? ""),
              password: String(credentials?.password ?? ""),
              ip,
              userAgent: header(req?.headers, "user-agent"),
            });
            return { id: String(r.user.id), name: r.user.displayName, sid: r.sessionId };
          } catch (err) {
            if (err instanceof AppError) throw new Error(err.message);
            logger.error("sign-in failed", { error: (err as Error).message });
            throw new Error("sign-in is not available right now: see the console's log");
          }
        },
      }),
    ],
    callbacks: {
      // where next-auth sends the browser after a sign-in or sign-out (its callbackUrl):
      // a path of this console only (lib/auth/return-path.ts), the sign-in page included
      redirect({ url, baseUrl }) {
        const path = url.startsWith(`${baseUrl}/`) ? url.slice(baseUrl.length) : url;
        if (path === "/login" || path.startsWith("/login?")) return `${baseUrl}/login`;
        return `${baseUrl}${safeReturnPath(path) ?? HOME_PATH}`;
      },
      jwt({ token, user }) {
        // on sign-in only: the session id goes into the (encrypted) cookie, never to the browser's JS
        if (user && "sid" in user && typeof user.sid === "string") token.sid = user.sid;
        return token;
      },
      session({ session }) {
        return { expires: session.expires, user: { name: session.user?.name ?? null } };
      },
    },
    events: {
      async signOut({ token }) {
        if (typeof token?.sid === "string") await signOut({ sessionId: token.sid });
      },
    },
    logger: {
      error: (code, metadata) => logger.error(`next-auth ${code}`, { detail: metadata instanceof Error ? metadata.message : undefined }),
      warn: (code) => logger.warn(`next-auth ${code}`),
      debug: () => undefined,
    },
  };
}
