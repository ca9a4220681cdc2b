// Starts e2e/stack.ts (the real stack) in its own process and waits until it is ready;
// the returned function tears it down after the suite.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export default async function globalSetup(): Promise<() => Promise<void>> {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
  const stateFile = path.join(mkdtempSync(path.join(tmpdir(), "ferry-e2e-state-")), "state.json");
  const child = spawn(process.execPath, ["--import", "tsx", path.join(root, "e2e/stack.ts")], {
    cwd: root,
    env: { ...process.env, FERRY_E2E_STATE_FILE: stateFile },
    stdio: ["ignore", "pipe", "inherit"],
  });
  await new Promise<void>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error("the e2e stack did not start within 4 minutes")), 240_000);
    child.stdout?.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes("READY ")) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the e2e stack exited (${code}) before it was ready`));
    });
  });
  const state = JSON.parse(readFileSync(stateFile, "utf8")) as { baseURL: string };
  process.env.FERRY_E2E_STATE_FILE = stateFile;
  process.env.FERRY_E2E_BASE_URL = state.baseURL;
  return async () => {
    if (child.exitCode !== null) return;
    child.kill("SIGTERM");
    await new Promise((r) => child.once("exit", r));
  };
}
