// Readiness: the store answers and every migration this version knows is applied (503
// otherwise, with which check failed). No sign-in, nothing about channels.
import { readyz } from "@/lib/metrics/probes";

export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  const r = await readyz();
  return Response.json(r, { status: r.ok ? 200 : 503, headers: { "cache-control": "no-store" } });
}
