// Runs before every console page (not the API, not static files: see the matcher) and
// gives the page its Content-Security-Policy with a fresh script nonce
// (lib/security/csp.ts). Next.js reads the nonce from the request's CSP header and adds
// it to the scripts it renders.
import { NextResponse, type NextRequest } from "next/server";
import { RETURN_PATH_HEADER } from "./lib/auth/return-path";
import { newNonce, pageContentSecurityPolicy } from "./lib/security/csp";

export function proxy(request: NextRequest): NextResponse {
  const nonce = newNonce();
  const policy = pageContentSecurityPolicy(nonce, { dev: process.env.NODE_ENV === "development" });
  const headers = new Headers(request.headers);
  headers.set("content-security-policy", policy);
  // the page asked for, so that a page finding nobody signed in can send the browser to
  // /login?next=… (lib/auth/page-viewer.ts); always set here, never taken from the client
  const asked = new URL(request.nextUrl);
  asked.searchParams.delete("_rsc");
  headers.set(RETURN_PATH_HEADER, `${asked.pathname}${asked.search}`);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set("content-security-policy", policy);
  return response;
}

export const config = {
  matcher: [
    {
      // pages only: API routes read their own bodies (a proxy would buffer them) and answer JSON
      source: "/((?!api/|metrics|healthz|readyz|_next/static/|_next/image|favicon.ico).*)",
      missing: [
        { type: "header", key: "next-router-prefetch" },
        { type: "header", key: "purpose", value: "prefetch" },
      ],
    },
  ],
};
