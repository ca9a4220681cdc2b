// A SaaS-like rate limit in front of a real SCIM target, for the governor's benchmark and
// tests: a loopback HTTP proxy (node:http only) with a token bucket of `requestsPerSecond`
// refilled continuously and holding at most `burst` (default one second's worth, as an
// API that publishes "N requests per second" usually counts). A request that finds a token is
// forwarded as it came; one that does not is answered 429 with Retry-After (whole seconds,
// as RFC 9110 gives it) and a SCIM error body, without reaching the target. It counts
// both, so a run can say what share of the capacity it used and how much was refused.
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export type TRateLimitStats = {
  forwarded: number;
  throttled: number;
  /** first and last request seen (ms since the epoch), 0 before any */
  firstAt: number;
  lastAt: number;
};

export type TRateLimitProxy = {
  /** the target's base URL with the proxy's origin */
  baseUrl: string;
  requestsPerSecond: number;
  stats(): TRateLimitStats;
  /** forwarded requests per second between the first and the last request seen */
  achievedRate(): number;
  /** the same over the middle of that span (its first and last tenth left out: start-up and the last stragglers) */
  steadyRate(): number;
  /** forwarded requests per second over a part of that span, given as fractions of it (0 to 1) */
  rateBetween(from: number, to: number): number;
  reset(): void;
  stop(): Promise<void>;
};

export async function startRateLimitProxy(targetBaseUrl: string, opts: { requestsPerSecond: number; burst?: number }): Promise<TRateLimitProxy> {
  const target = new URL(targetBaseUrl);
  if (target.protocol !== "http:") throw new Error(`rate-limit proxy: only http targets are supported (${targetBaseUrl})`);
  const rate = opts.requestsPerSecond;
  const burst = opts.burst ?? Math.max(1, Math.round(rate));
  let tokens = burst;
  let refilledAt = performance.now();
  let stats: TRateLimitStats = { forwarded: 0, throttled: 0, firstAt: 0, lastAt: 0 };
  // when each request was forwarded, for the steady rate
  let forwardedAt: number[] = [];
  const upstreamAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const sockets = new Set<Socket>();

  const take = (): number => {
    const now = performance.now();
    tokens = Math.min(burst, tokens + ((now - refilledAt) / 1000) * rate);
    refilledAt = now;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    // seconds until a token is back, rounded up to whole seconds
    return Math.max(1, Math.ceil((1 - tokens) / rate));
  };

  const rateBetween = (fromFrac: number, toFrac: number): number => {
    const span = stats.lastAt - stats.firstAt;
    const from = stats.firstAt + span * fromFrac;
    const to = stats.firstAt + span * toFrac;
    return to > from ? forwardedAt.filter((t) => t >= from && (t < to || (toFrac >= 1 && t <= to))).length / ((to - from) / 1000) : 0;
  };

  const server = http.createServer((req, res) => {
    const now = Date.now();
    stats.firstAt ||= now;
    stats.lastAt = now;
    const retryAfter = take();
    if (retryAfter > 0) {
      stats.throttled++;
      req.resume();
      res.writeHead(429, { "content-type": "application/scim+json", "retry-after": String(retryAfter) });
      res.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "429", detail: `rate limit: ${rate} requests per second` }));
      return;
    }
    stats.forwarded++;
    forwardedAt.push(now);
    const upstream = http.request(
      { agent: upstreamAgent, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on("error", () => res.destroy());
      },
    );
    upstream.on("error", (err) => {
      if (res.headersSent) return void res.destroy();
      res.writeHead(502, { "content-type": "text/plain" });
      res.end(`rate-limit proxy: upstream error: ${err.message}`);
    });
    req.pipe(upstream);
  });
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}${target.pathname.replace(/\/+$/, "")}`;

  return {
    baseUrl,
    requestsPerSecond: rate,
    stats: () => ({ ...stats }),
    achievedRate: () => (stats.lastAt > stats.firstAt ? stats.forwarded / ((stats.lastAt - stats.firstAt) / 1000) : 0),
    steadyRate: () => rateBetween(0.1, 0.9),
    rateBetween: (from, to) => rateBetween(from, to),
    reset: () => {
      stats = { forwarded: 0, throttled: 0, firstAt: 0, lastAt: 0 };
      forwardedAt = [];
    },
    stop: async () => {
      for (const s of sockets) s.destroy();
      upstreamAgent.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
