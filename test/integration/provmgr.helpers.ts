// Runs the real provmgr process against the test database of this file's world (the
// fixture points process.env.DATABASE_URL at it), and small helpers the provmgr tests
// share. Not a test file itself: vitest only collects *.test.ts.
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { getDb } from "../../lib/db/index.ts";

export const ROOT = path.resolve(import.meta.dirname, "../..");

export type TRun = { code: number | null; stdout: string; stderr: string };

/** A log settings file in a temp dir, so tests never write into the repository's log/. */
export function tempLogConfig(settings: Record<string, unknown> = {}): { config: string; logFile: string } {
  const dir = mkdtempSync(path.join(tmpdir(), "provmgr-log-"));
  const logFile = path.join(dir, "provmgr.log");
  const config = path.join(dir, "provmgr.log.json");
  writeFileSync(config, JSON.stringify({ level: "debug", path: logFile, ...settings }));
  return { config, logFile };
}

let defaultLog: { config: string; logFile: string } | undefined;
export function testLog(): { config: string; logFile: string } {
  defaultLog ??= tempLogConfig();
  return defaultLog;
}

/**
 * provmgr as an administrator runs it. `via`: "bin" (the default) = bin/provmgr.js, the
 * JavaScript build; "sh" = bin/provmgr.sh; "npx" = npx provmgr; "tsx" = node --import tsx
 * cli/provmgr.ts, the TypeScript sources as they are.
 */
export function provmgr(
  args: string[],
  opts: { env?: Record<string, string | undefined>; cwd?: string; via?: "tsx" | "bin" | "sh" | "npx" } = {},
): Promise<TRun> {
  const via = opts.via ?? "bin";
  const [cmd, pre] =
    via === "tsx"
      ? [process.execPath, ["--import", "tsx", path.join(ROOT, "cli/provmgr.ts")]]
      : via === "bin"
        ? [path.join(ROOT, "bin/provmgr.js"), []]
        : via === "sh"
          ? [path.join(ROOT, "bin/provmgr.sh"), []]
          : ["npx", ["--no-install", "provmgr"]];
  const env: Record<string, string | undefined> = {
    ...process.env,
    DATABASE_URL: process.env.DATABASE_URL,
    FERRY_SECRET_KEY: process.env.FERRY_SECRET_KEY,
    FERRY_PROVMGR_LOG_CONFIG: testLog().config,
    ...opts.env,
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, [...pre, ...args], { cwd: opts.cwd ?? ROOT, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

/** Parses --json output, saying what was printed when it is not JSON. */
export function parsed<T = Record<string, any>>(r: TRun): T {
  try {
    return JSON.parse(r.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${r.code}):\n${r.stdout}\n${r.stderr}`);
  }
}

/** Every line of stderr that is not npm's own chatter. */
export function errorLines(r: TRun): string[] {
  return r.stderr.split("\n").filter((l) => l.trim() !== "" && !l.startsWith("npm warn"));
}

/**
 * Stands in for the time after which an incremental read no longer looks back at
 * entries changed now (lib/sync/read-users.ts OVERLAP_MS): the attribute-sync
 * timestamp moves to the present, so the next cycle reads only entries changed after
 * this call. Waits past the current second first: LDAP timestamps have 1 s resolution.
 */
export async function fastForward(channelId: number): Promise<void> {
  await new Promise((r) => setTimeout(r, 1_100));
  const now = new Date().toISOString().slice(0, 19).replace(/[-T:]/g, "") + "Z";
  const db = await getDb();
  await db.channel.update({ where: { id: channelId }, data: { attributeSyncTimestamp: now, lastFullSyncAt: new Date() } });
}

export async function auditSince(channelId: number | null, since: Date) {
  const db = await getDb();
  return db.auditLog.findMany({ where: { at: { gte: since }, ...(channelId === null ? {} : { channelId }) }, orderBy: { id: "asc" } });
}
