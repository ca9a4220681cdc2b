// The console pages' Content-Security-Policy. Scripts run only when they carry this
// response's nonce ('strict-dynamic' lets those scripts load the chunks they import), so
// a script injected into a page (a value rendered unescaped, a compromised dependency's
// <script> tag) does not run. proxy.ts makes a nonce per request; Next.js reads it back
// from this header and puts it on every script it renders, which is why every page is
// rendered per request (app/layout.tsx).
//
// Styles: <style> elements need the nonce too; style *attributes* are allowed
// ('unsafe-inline' in style-src): the components position and size things with React's
// style prop, and an injected attribute cannot run code.
// API answers (JSON) and static files keep the fixed policy of next.config.js.

/** 128 random bits, base64: a fresh one for every response. */
export function newNonce(): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(16))).toString("base64");
}

export function pageContentSecurityPolicy(nonce: string, options: { dev?: boolean } = {}): string {
  return [
    "default-src 'self'",
    // React's development build evaluates code for its error overlays; never in production
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'${options.dev ? " 'unsafe-eval'" : ""}`,
    "style-src 'self' 'unsafe-inline'",
    `style-src-elem 'self' 'nonce-${nonce}'`,
    "img-src 'self' data: blob:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
  ].join("; ");
}
