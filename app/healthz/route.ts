// Liveness: the console's process answers. No sign-in, nothing about channels.
import { healthz } from "@/lib/metrics/probes";

export const dynamic = "force-dynamic";

export function GET(): Response {
  return Response.json(healthz(), { headers: { "cache-control": "no-store" } });
}
