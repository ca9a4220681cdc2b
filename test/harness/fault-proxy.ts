/**
 * A small HTTP reverse proxy (node:http only) in front of a real ScimService. Tests use it to make
 * the real target misbehave in chosen ways: throttling, server errors, bad bodies, hangs, resets.
 *
 * Rules are checked in the order they were injected; the first matching rule with uses left wins
 * and one use is consumed. What a matching rule does:
 *   - dropConnection: wait delayMs (if any), then reset the socket without a response.
 *   - status: wait delayMs (if any), then answer status/headers/body without forwarding.
 *     Without a content-type header, a body that parses as JSON is sent as application/scim+json,
 *     anything else as text/plain.
 *   - only delayMs: wait, then forward as usual. This simulates a slow target. To simulate a hung
 *     target, use a delayMs longer than the client's timeout; stop() frees the pending socket.
 *   - afterForward with status: forward the request and wait for the target's whole answer (the
 *     write is applied), then discard it and answer status/headers/body instead: a 201 whose
 *     body a gateway mangled, for a resource that does exist.
 *   - truncateBodyAt: forward, pass the target's status and headers (its content-length too) and
 *     only the first truncateBodyAt bytes of its body, then reset the connection: an answer cut
 *     off in the middle.
 * Requests that match no rule are forwarded unchanged (method, path, headers, body).
 */
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";

export interface FaultRule {
  /** Case-insensitive HTTP method; any method when omitted. */
  method?: string;
  /** Substring of the request path+query, e.g. "/Users" or "filter=". */
  pathIncludes?: string;
  /** How many matching requests this rule takes. */
  times: number;
  status?: number;
  headers?: Record<string, string>;
  body?: string;
  delayMs?: number;
  dropConnection?: boolean;
  /** with status: answer only after the target has handled the request */
  afterForward?: boolean;
  /** forward, then send only this many bytes of the target's body and reset the connection */
  truncateBodyAt?: number;
}

export interface FaultLogEntry {
  method: string;
  /** Path and query as received by the proxy. */
  path: string;
  /** Status sent to the client; 0 when the connection was dropped or the upstream failed mid-way. */
  status: number;
  /** True when a rule answered (or dropped) instead of the target. */
  injected: boolean;
}

export interface FaultProxy {
  /** Same path shape as the target, e.g. http://127.0.0.1:PROXYPORT/api/auth/scim/v2 */
  baseUrl: string;
  inject(rule: FaultRule): void;
  /** Removes every pending rule. The log is kept. */
  clear(): void;
  readonly log: FaultLogEntry[];
  stop(): Promise<void>;
}

interface ActiveRule extends FaultRule {
  remaining: number;
}

export async function startFaultProxy(targetBaseUrl: string): Promise<FaultProxy> {
  const target = new URL(targetBaseUrl);
  if (target.protocol !== "http:") throw new Error(`fault proxy: only http targets are supported (${targetBaseUrl})`);
  const basePath = target.pathname.replace(/\/+$/, "");
  const rules: ActiveRule[] = [];
  const log: FaultLogEntry[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  // Keep-alive upstream connections would outlive stop(); one connection per request is fine here.
  const upstreamAgent = new http.Agent({ keepAlive: false });

  const takeRule = (method: string, path: string): ActiveRule | undefined => {
    const rule = rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.method === undefined || r.method.toUpperCase() === method) &&
        (r.pathIncludes === undefined || path.includes(r.pathIncludes)),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    if (rule.remaining === 0) rules.splice(rules.indexOf(rule), 1);
    return rule;
  };

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        timers.delete(t);
        resolve();
      }, ms);
      timers.add(t);
    });

  /** Sends the request to the target and collects its whole answer. */
  const forwardAndCollect = (req: http.IncomingMessage) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>((resolve, reject) => {
      const upstream = http.request(
        { agent: upstreamAgent, protocol: target.protocol, hostname: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (up) => {
          const chunks: Buffer[] = [];
          up.on("data", (c: Buffer) => chunks.push(c));
          up.on("end", () => resolve({ status: up.statusCode ?? 502, headers: up.headers, body: Buffer.concat(chunks) }));
          up.on("error", reject);
        },
      );
      upstream.on("error", reject);
      req.pipe(upstream);
    });

  const forward = (req: http.IncomingMessage, res: http.ServerResponse, entry: FaultLogEntry) => {
    const headers = { ...req.headers, host: target.host };
    const upstream = http.request(
      {
        agent: upstreamAgent,
        protocol: target.protocol,
        hostname: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        headers,
      },
      (up) => {
        entry.status = up.statusCode ?? 0;
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
        up.on("error", () => res.destroy());
      },
    );
    upstream.on("error", (err) => {
      entry.status = 0;
      if (!res.headersSent) {
        entry.status = 502;
        res.writeHead(502, { "content-type": "text/plain" });
        res.end(`fault proxy: upstream error: ${err.message}`);
      } else {
        res.destroy();
      }
    });
    req.pipe(upstream);
  };

  const server = http.createServer((req, res) => {
    const method = (req.method ?? "GET").toUpperCase();
    const path = req.url ?? "/";
    const entry: FaultLogEntry = { method, path, status: 0, injected: false };
    log.push(entry);
    const rule = takeRule(method, path);

    void (async () => {
      if (rule?.delayMs) await sleep(rule.delayMs);
      if (req.destroyed || res.destroyed) return;
      if (rule?.dropConnection) {
        entry.injected = true;
        req.socket.resetAndDestroy();
        return;
      }
      if (rule?.truncateBodyAt !== undefined) {
        entry.injected = true;
        const up = await forwardAndCollect(req).catch(() => null);
        if (!up) return void req.socket.resetAndDestroy();
        entry.status = up.status;
        // the target's headers, content-length included: the client expects more than it gets
        res.writeHead(up.status, { ...up.headers, "content-length": String(up.body.length), connection: "close" });
        res.write(up.body.subarray(0, rule.truncateBodyAt));
        // let the partial body reach the client before the connection goes
        setTimeout(() => req.socket.resetAndDestroy(), 50);
        return;
      }
      if (rule?.status !== undefined && rule.afterForward) {
        const up = await forwardAndCollect(req).catch(() => null);
        if (!up) return void req.socket.resetAndDestroy();
      }
      if (rule?.status !== undefined) {
        entry.injected = true;
        entry.status = rule.status;
        const body = rule.body ?? "";
        const headers: Record<string, string> = { ...(rule.headers ?? {}) };
        if (!Object.keys(headers).some((h) => h.toLowerCase() === "content-type") && body !== "") {
          let isJson = true;
          try {
            JSON.parse(body);
          } catch {
            isJson = false;
          }
          headers["content-type"] = isJson ? "application/scim+json" : "text/plain";
        }
        // Drain the request body so the client is not left blocked on a full socket buffer.
        if (!rule.afterForward) req.resume();
        res.writeHead(rule.status, headers);
        res.end(body);
        return;
      }
      forward(req, res, entry);
    })();
  });

  server.on("connection", (socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    baseUrl: `http://127.0.0.1:${port}${basePath}`,
    inject(rule) {
      if (!Number.isInteger(rule.times) || rule.times < 1) throw new Error("fault proxy: times must be a positive integer");
      rules.push({ ...rule, remaining: rule.times });
    },
    clear() {
      rules.splice(0);
    },
    log,
    async stop() {
      rules.splice(0);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      });
      upstreamAgent.destroy();
    },
  };
}
