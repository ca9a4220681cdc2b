// The benchmark's child processes: a SCIM target (bench/scimmy-server.ts) and Ferry's
// cycles (bench/cycle-runner.ts), each in its own process so that CPU and memory are its own.
import { spawn } from "node:child_process";
import path from "node:path";
import { createInterface } from "node:readline";
import { WORKER_NODE_FLAGS } from "../scripts/launch.ts";

const ROOT = path.resolve(import.meta.dirname, "..");

export function child(script: string, argv: string[], env: NodeJS.ProcessEnv, profile = false) {
  // BENCH_CPU_PROF=1 writes a V8 CPU profile of every cycle to bench/results/prof/
  const prof = profile && process.env.BENCH_CPU_PROF === "1" ? ["--cpu-prof", "--cpu-prof-dir", path.join(ROOT, "bench/results/prof")] : [];
  // cycles run with the worker's own heap settings (BENCH_NODE_FLAGS adds to them, e.g. "--trace-gc")
  const flags = script.includes("cycle-runner") ? [...WORKER_NODE_FLAGS, ...(process.env.BENCH_NODE_FLAGS?.split(" ").filter(Boolean) ?? [])] : [];
  return spawn(process.execPath, [...prof, ...flags, "--import", "tsx", path.join(ROOT, script), ...argv], { cwd: ROOT, env, stdio: ["pipe", "pipe", "inherit"] });
}

export async function firstLine(p: ReturnType<typeof child>): Promise<string> {
  const rl = createInterface({ input: p.stdout! });
  for await (const line of rl) return line;
  throw new Error("child exited without output");
}

export async function startTarget(env: NodeJS.ProcessEnv) {
  const p = child("bench/scimmy-server.ts", [], env);
  const rl = createInterface({ input: p.stdout! });
  const lines = rl[Symbol.asyncIterator]();
  const next = async () => {
    const r = await lines.next();
    if (r.done) throw new Error("the SCIM target exited");
    return r.value;
  };
  const info = JSON.parse(await next()) as { baseUrl: string; token: string };
  return {
    ...info,
    /** CPU the target process has used so far (ms) */
    cpuMs: async () => {
      p.stdin!.write("cpu\n");
      return (JSON.parse(await next()) as { cpuMs: number }).cpuMs;
    },
    stop: () => p.kill("SIGTERM"),
  };
}

