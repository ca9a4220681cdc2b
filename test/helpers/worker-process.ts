// Runs the real worker as a child process against the test database, as `npm run worker`
// does: bin/worker.js, the JavaScript build of worker/main.ts (rebuilt first if a source
// changed).
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

export type TWorkerProcess = { child: ChildProcess; output: () => string; exited: Promise<number | null>; kill: (sig?: NodeJS.Signals) => void };

const ROOT = path.resolve(import.meta.dirname, "../..");

export function startWorker(env: Record<string, string> = {}): TWorkerProcess {
  let out = "";
  const child = spawn(process.execPath, [path.join(ROOT, "bin/worker.js")], {
    cwd: ROOT,
    env: {
      ...process.env,
      FERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), "ferry-worker-")),
      FERRY_SCHEDULER_SEC: "1",
      FERRY_HEARTBEAT_SEC: "1",
      FERRY_LOG_LEVEL: "info",
      ...env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  return { child, output: () => out, exited, kill: (sig = "SIGTERM") => child.kill(sig) };
}
