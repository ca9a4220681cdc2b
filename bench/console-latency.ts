// Console API latency at benchmark size: the built console (scripts/console-server.ts) on the bench's
// database, asked over HTTP with an API token, the way the console's pages and scripts ask.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { createApiToken } from "../lib/api-tokens/create-api-token.ts";
import { encodeCursor } from "../lib/channels/list-records.ts";
import { getDb } from "../lib/db/index.ts";
import { buildConsoleIfNeeded, CONSOLE_SERVER } from "../scripts/launch.ts";
import { freePort } from "../devkit/ports.ts";
import { waitFor } from "../devkit/wait-for.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

export type TLatency = { name: string; path: string; medianMs: number; p95Ms: number; samples: number; bytes: number };

export async function measureConsoleLatency(channelId: number, env: NodeJS.ProcessEnv, samples = 30): Promise<TLatency[]> {
  const consoleEnv = { ...env, NEXT_TELEMETRY_DISABLED: "1", FERRY_ADMIN_USERNAME: "admin", FERRY_ADMIN_PASSWORD: `Bench-${randomBytes(8).toString("hex")}` };
  buildConsoleIfNeeded(consoleEnv);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const web = spawn(process.execPath, [...CONSOLE_SERVER, "--port", String(port), "--host", "127.0.0.1"], {
    cwd: ROOT,
    env: { ...consoleEnv, NEXTAUTH_URL: base, NEXTAUTH_SECRET: randomBytes(32).toString("base64url") },
    stdio: ["ignore", "ignore", "inherit"],
  });
  try {
    await waitFor("the console to answer", async () => (await fetch(`${base}/login`).catch(() => null))?.ok, 60_000, 250);
    const { token } = await createApiToken({ name: "bench", role: "viewer", expiresInDays: 1, actor: "bench", via: "cli" });
    const headers = { authorization: `Bearer ${token}` };

    // a page from the middle of the name order, as a user paging far in would ask for it
    const db = await getDb();
    const [mid] = await db.$queryRawUnsafe<Array<{ n: string; i: bigint }>>(
      `SELECT provider_name AS n, id AS i FROM user_record WHERE channel_id = $1 AND provider_name IS NOT NULL
       ORDER BY provider_name, id OFFSET (SELECT count(*) / 2 FROM user_record WHERE channel_id = $1) LIMIT 1`,
      channelId,
    );
    const after = mid ? encodeCursor({ n: mid.n, i: mid.i.toString() }) : "";
    const [one] = await db.$queryRawUnsafe<Array<{ id: bigint; n: string }>>(
      `SELECT id, provider_name AS n FROM user_record WHERE channel_id = $1 AND provider_name IS NOT NULL ORDER BY id DESC LIMIT 1`,
      channelId,
    );
    const probes = [
      { name: "channel list", path: "/api/v1/channels" },
      { name: "users, first page of 50", path: `/api/v1/channels/${channelId}/users?limit=50` },
      { name: "users, a page of 50 in the middle", path: `/api/v1/channels/${channelId}/users?limit=50&after=${after}` },
      { name: "users, search by name", path: `/api/v1/channels/${channelId}/users?limit=50&q=${encodeURIComponent(one?.n ?? "user")}` },
      { name: "users, dirty filter", path: `/api/v1/channels/${channelId}/users?limit=50&state=dirty` },
      { name: "one user's detail", path: `/api/v1/channels/${channelId}/users/${one?.id ?? 1}` },
    ];
    const out: TLatency[] = [];
    for (const probe of probes) {
      const times: number[] = [];
      let bytes = 0;
      for (let i = 0; i < samples + 3; i++) {
        const t = performance.now();
        const res = await fetch(base + probe.path, { headers });
        const body = await res.text();
        if (!res.ok) throw new Error(`${probe.path}: ${res.status} ${body.slice(0, 200)}`);
        if (i >= 3) times.push(performance.now() - t); // the first answers warm the route up
        bytes = body.length;
      }
      times.sort((a, b) => a - b);
      out.push({
        ...probe,
        medianMs: times[Math.floor(times.length / 2)]!,
        p95Ms: times[Math.min(times.length - 1, Math.ceil(times.length * 0.95) - 1)]!,
        samples: times.length,
        bytes,
      });
    }
    return out;
  } finally {
    web.kill("SIGTERM");
    await new Promise((r) => (web.exitCode !== null ? r(null) : web.once("exit", r)));
  }
}
