// The console's HTTP server: Next.js's request handler behind Node's http server, as
// `next start` runs it, with one addition: each request is handled inside
// runWithPeer(<the socket's address>), because route handlers cannot see the socket and
// the X-Forwarded-For Next.js passes them can be written by the client
// (lib/auth/client-address.ts decides whose address counts). scripts/launch.ts and the
// e2e stack start the console with this file; `next start` still works, but then the
// sign-in limit per address is off (the console's log says so).
//   node --import tsx scripts/console-server.ts [--port 3000] [--host 127.0.0.1]
import { createServer } from "node:http";
import path from "node:path";
import { parseArgs } from "node:util";
import next from "next";
import { runWithPeer } from "../lib/auth/request-peer.ts";
import { getLaunchEnv } from "../lib/env.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

const { values } = parseArgs({ options: { port: { type: "string", short: "p" }, host: { type: "string", short: "H" } } });
const env = getLaunchEnv();
const port = values.port !== undefined ? Number(values.port) : env.PORT;
const host = values.host ?? env.FERRY_HOST;
if (!Number.isInteger(port) || port < 1 || port > 65535) {
  process.stderr.write(`console-server: --port must be a port number, not ${values.port}\n`);
  process.exit(2);
}

const app = next({ dev: false, dir: ROOT, hostname: host, port });
const handle = app.getRequestHandler();
await app.prepare();

const server = createServer((req, res) => {
  runWithPeer(req.socket.remoteAddress, () => handle(req, res)).catch((err: unknown) => {
    process.stderr.write(`console-server: request failed: ${(err as Error).message}\n`);
    if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
    res.end("internal error");
  });
});
server.listen(port, host, () => process.stdout.write(`Ferry console listening on http://${host.includes(":") ? `[${host}]` : host}:${port}\n`));

const stop = () => {
  server.close(() => process.exit(0));
  server.closeAllConnections();
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
