// A lock between processes on one machine, as a directory: what the real servers that
// are built once per machine (the Samba AD DC's and 389-DS's templates) hold while they
// build. A lock whose process died is taken over.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Whether a process with this pid is alive (ours or another user's). */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Holds `lockDir` while `fn` runs, waiting at most `waitMs` for another holder. */
export async function withLock<T>(lockDir: string, fn: () => Promise<T>, options: { waitMs: number; what: string }): Promise<T> {
  const deadline = Date.now() + options.waitMs;
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, "pid"), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      let holder = 0;
      try {
        holder = Number(readFileSync(path.join(lockDir, "pid"), "utf8"));
      } catch {
        // being written; wait
      }
      if (holder && !alive(holder)) {
        rmSync(lockDir, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`${options.what}: lock ${lockDir} held by pid ${holder} for ${Math.round(options.waitMs / 60_000)} minutes`);
      await sleep(200);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}
