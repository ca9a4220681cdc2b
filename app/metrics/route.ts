// Prometheus scrape of the console: the store's gauges (health, dirty and failing records,
// quarantine, nodes, alerts) and the console process's own. It shows channel names, so
// it asks for an API token (any role) like the API: `authorization: Bearer fry_…`
// (Prometheus: `authorization: { credentials: fry_… }`).
import type { NextRequest } from "next/server";
import { readViewer } from "@/lib/auth/read-viewer";
import { metricsText } from "@/lib/metrics/store-metrics";

export const dynamic = "force-dynamic";

export async function GET(request: NextRequest): Promise<Response> {
  const viewer = await readViewer({ authorization: request.headers.get("authorization"), cookies: request.cookies });
  if (!viewer) return new Response("send an API token as Authorization: Bearer fry_…\n", { status: 401, headers: { "content-type": "text/plain" } });
  const m = await metricsText();
  return new Response(m.body, { headers: { "content-type": m.contentType, "cache-control": "no-store" } });
}
