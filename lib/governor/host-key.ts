// What the governor counts requests against: a target host as scheme://host:port. Every
// channel whose target.url points at the same origin shares one limit, whatever the path
// (two tenants' SCIM bases on one SaaS host share that host's limits).
export function targetHost(url: string): string {
  const u = new URL(url);
  const port = u.port || (u.protocol === "https:" ? "443" : "80");
  return `${u.protocol}//${u.hostname.toLowerCase()}:${port}`;
}
