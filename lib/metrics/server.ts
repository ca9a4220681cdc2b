// The worker's small HTTP server for monitoring: /metrics (Prometheus text), /healthz and
// /readyz. It listens on FERRY_METRICS_HOST:FERRY_METRICS_PORT (127.0.0.1:9464 unless
// set; 0 switches it off). A port already taken is a warning, not a reason to stop
// provisioning.
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { TLogger } from "../log.ts";
import { healthz, readyz } from "./probes.ts";
import { metricsText } from "./store-metrics.ts";

export async function startMetricsServer(options: { host: string; port: number; log: TLogger }): Promise<{ port: number; close(): Promise<void> } | null> {
  if (options.port === 0) return null;
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = new URL(req.url ?? "/", "http://x");
      if (req.method !== "GET" && req.method !== "HEAD") return send(res, 405, "text/plain", "GET only\n");
      if (url.pathname === "/metrics") {
        const m = await metricsText();
        return send(res, 200, m.contentType, m.body);
      }
      if (url.pathname === "/healthz") return send(res, 200, "application/json", JSON.stringify(healthz()));
      if (url.pathname === "/readyz") {
        const r = await readyz();
        return send(res, r.ok ? 200 : 503, "application/json", JSON.stringify(r));
      }
      send(res, 404, "text/plain", "/metrics, /healthz, /readyz\n");
    })().catch((err: unknown) => send(res, 500, "text/plain", `${(err as Error).message}\n`));
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port, options.host, () => resolve());
    });
  } catch (err) {
    options.log.warn("metrics endpoint not started", { address: `${options.host}:${options.port}`, error: (err as Error).message });
    return null;
  }
  const port = (server.address() as AddressInfo).port;
  options.log.info("metrics endpoint", { url: `http://${options.host}:${port}/metrics` });
  return { port, close: () => new Promise((r) => server.close(() => r())) };
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  if (res.headersSent) return;
  res.writeHead(status, { "content-type": type, "cache-control": "no-store" });
  res.end(body);
}
