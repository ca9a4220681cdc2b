// Starts Ferry's processes side by side: the database (embedded PostgreSQL unless
// DATABASE_URL is set), the worker (from its JavaScript build, rebuilt first if a
// source changed: scripts/build.mjs), and the console (built on first start). Used by
// `npm start` and by the demo. Ctrl-C stops everything cleanly.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { closeDb, getDb, resolveDatabaseUrl } from "../lib/db/index.ts";
import { getAuthEnv } from "../lib/auth/auth-env.ts";
import { childEnv, getEnv, getLaunchEnv } from "../lib/env.ts";
import { ensureBuilt } from "./build.mjs";

const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * The worker streams the directory and keeps a page or two of records in memory; a
 * bounded heap makes V8 collect early instead of growing (peak RSS stays well under
 * 400 MB at 100,000 users; see the benchmark). A larger young generation (32 MB
 * semi-spaces, V8's default caps them at 16 MB) halves the scavenges of a full read,
 * whose every entry is short-lived garbage: at 100,000 users the read took 3.5 s instead
 * of 4.5 s (CPU 4.0 s instead of 5.8 s) for about 30 MB more peak RSS (README, Performance).
 */
export const WORKER_NODE_FLAGS = ["--max-old-space-size=256", "--max-semi-space-size=32"];

/** Builds the console with `next build` unless a build exists (FERRY_REBUILD=1 forces one). */
export function buildConsoleIfNeeded(env: NodeJS.ProcessEnv): void {
  if (existsSync(path.join(ROOT, ".next", "BUILD_ID")) && !getLaunchEnv().FERRY_REBUILD) return;
  console.log("building the console (first start only)…");
  const built = spawnSync(process.execPath, [NEXT_BIN, "build"], { cwd: ROOT, env, stdio: "inherit" });
  if (built.status !== 0) throw new Error("the console build failed");
}

export const NEXT_BIN = path.join(ROOT, "node_modules/next/dist/bin/next");

/** The console's server (Next.js behind an http server that knows each request's socket address), as node arguments. */
export const CONSOLE_SERVER = ["--import", "tsx", path.join(ROOT, "scripts/console-server.ts")];

export type TLaunched = { databaseUrl: string; port: number; stop: () => Promise<void> };

function prefixed(child: ChildProcess, tag: string): void {
  const write = (chunk: Buffer) => {
    for (const line of chunk.toString().split("\n")) if (line.trim()) process.stdout.write(`[${tag}] ${line}\n`);
  };
  child.stdout?.on("data", write);
  child.stderr?.on("data", write);
}

export async function launch(options: { port?: number; extraEnv?: Record<string, string> } = {}): Promise<TLaunched> {
  const env = getEnv();
  const launchEnv = getLaunchEnv();
  // the console's own settings are checked here too: a mistake stops the start, not the console alone
  const { NEXTAUTH_URL } = getAuthEnv();
  const workerJs = (await ensureBuilt()).file("worker/main"); // before the database: a build error stops nothing half-started
  await getDb(); // starts the embedded PostgreSQL if needed and applies migrations
  const { url } = await resolveDatabaseUrl();
  const port = options.port ?? launchEnv.PORT;
  // what both children start with: this environment, the database resolved, the data directory absolute
  const childrenEnv = childEnv({ ...options.extraEnv, DATABASE_URL: url, FERRY_DATA_DIR: env.dataDir });

  buildConsoleIfNeeded(childrenEnv);

  const worker = spawn(process.execPath, [...WORKER_NODE_FLAGS, workerJs], { cwd: ROOT, env: childrenEnv });
  prefixed(worker, "worker");
  // loopback unless told otherwise: put TLS in front (and NEXTAUTH_URL=https://…) before exposing it
  const host = launchEnv.FERRY_HOST;
  // next-auth needs the console's own URL for its redirects and cookie flags; the first
  // admin comes from FERRY_ADMIN_USERNAME/FERRY_ADMIN_PASSWORD or is printed once
  const consoleEnv = { ...childrenEnv, NEXTAUTH_URL: NEXTAUTH_URL ?? `http://${host}:${port}` };
  const web = spawn(process.execPath, [...CONSOLE_SERVER, "--port", String(port), "--host", host], {
    cwd: ROOT,
    env: consoleEnv,
  });
  prefixed(web, "console");

  const stop = async () => {
    const exited = (c: ChildProcess) => (c.exitCode !== null ? Promise.resolve() : new Promise<void>((r) => c.once("exit", () => r())));
    worker.kill("SIGTERM");
    web.kill("SIGTERM");
    await Promise.all([exited(worker), exited(web)]);
    await closeDb();
  };
  return { databaseUrl: url, port, stop };
}

export function onShutdown(stop: () => Promise<void>): void {
  let stopping = false;
  const handler = () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping Ferry…");
    stop()
      .catch((err) => console.error(err))
      .finally(() => process.exit(0));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
