// Where a sign-in returns to. A console page that finds nobody signed in sends the browser
// to /login?next=<the page asked for>, and the sign-in goes back there — but only to a
// path of this console: `next` is anyone's to write (a link in a phishing mail), so a
// value that could leave the origin (`//evil.example`, `https://evil.example`,
// `/\evil.example`, which browsers read as `//`) is refused and the console's home is
// used instead. Pure: the login page, the page guard and next-auth's redirect callback
// share it.

/** Request header the proxy (proxy.ts) sets on every page request: the path and query asked for. */
export const RETURN_PATH_HEADER = "x-ferry-return-path";

export const HOME_PATH = "/channels";

const BASE = "http://ferry.invalid";

/** A same-origin, relative path to return to, or null when `raw` is anything else. */
export function safeReturnPath(raw: unknown): string | null {
  if (typeof raw !== "string" || raw.length === 0 || raw.length > 2048) return null;
  // one leading slash: `//host` and `/\host` are other hosts to a browser
  if (!raw.startsWith("/") || raw.startsWith("//")) return null;
  // backslashes count as slashes and tabs/newlines are dropped by URL parsers: refuse both
  // rather than guess what a browser makes of them
  if (/[\\\u0000-\u001f\u007f]/.test(raw)) return null;
  let url: URL;
  try {
    url = new URL(raw, BASE);
  } catch {
    return null;
  }
  if (url.origin !== BASE) return null;
  // not back to the sign-in page itself, nor to an API answer
  if (url.pathname === "/login" || url.pathname === "/api" || url.pathname.startsWith("/api/")) return null;
  return `${url.pathname}${url.search}${url.hash}`;
}

/** The sign-in page's address for a visitor who asked for `requested`. */
export function loginPathFor(requested: string | null | undefined): string {
  const next = safeReturnPath(requested);
  return next && next !== "/" ? `/login?next=${encodeURIComponent(next)}` : "/login";
}
