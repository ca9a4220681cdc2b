// CSRF protection for cookie-authenticated state changes (the console's own fetches to
// /api/v1). Two checks, both required:
//  1. the request carries `x-csrf-token`, an HMAC of the session id that only pages
//     served to that session know (a cross-site form or fetch cannot read or set it);
//  2. the browser says the request is same-origin (Origin and Sec-Fetch-Site, when sent).
// Bearer-token requests carry no ambient credentials and need neither.
import { createHmac, timingSafeEqual } from "node:crypto";
import { deriveKey } from "./auth-secret.ts";

export const CSRF_HEADER = "x-csrf-token";

export function csrfTokenFor(sessionIdHash: string): string {
  return createHmac("sha256", deriveKey("csrf")).update(sessionIdHash).digest("base64url");
}

export function verifyCsrfToken(sessionIdHash: string, token: string | null | undefined): boolean {
  if (!token) return false;
  const want = Buffer.from(csrfTokenFor(sessionIdHash));
  const got = Buffer.from(token);
  return want.length === got.length && timingSafeEqual(want, got);
}

/** Same-origin as far as the browser tells: Sec-Fetch-Site, else Origin against Host. */
export function isSameOrigin(headers: { get(name: string): string | null }): boolean {
  const site = headers.get("sec-fetch-site");
  if (site && site !== "same-origin" && site !== "none") return false;
  const origin = headers.get("origin");
  if (!origin) return true;
  const host = headers.get("x-forwarded-host") ?? headers.get("host");
  try {
    return new URL(origin).host === host;
  } catch {
    return false;
  }
}
