// The real stack the e2e suite runs against, in its own process (run with tsx): a fresh
// PostgreSQL database on the local server, a real slapd with a small directory, a real
// SCIM service (SCIMMY), the console built once with `next build` and served by
// scripts/console-server.ts (as `npm start` serves it), and the worker (worker/main.ts) so channels really provision. Console
// users: the first admin comes from FERRY_ADMIN_PASSWORD (the console creates it on
// start); an operator and a viewer are seeded here. Prints `READY <json>` when up and
// tears everything down on SIGTERM.
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createConsoleUser } from "../lib/console-users/create-console-user.ts";
import { CONSOLE_SERVER } from "../scripts/launch.ts";
import { closeDb, getDb } from "../lib/db/index.ts";
import { resetEnvCache } from "../lib/env.ts";
import { freePort } from "../devkit/ports.ts";
import { startScimmy } from "../devkit/scim-scimmy.ts";
import { startSlapd } from "../devkit/slapd.ts";
import { createTestDatabase } from "../devkit/test-database.ts";
import { waitFor } from "../devkit/wait-for.ts";
import { startWorker } from "../test/helpers/worker-process.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const NEXT = path.join(ROOT, "node_modules/next/dist/bin/next");
export const E2E_USERS = 12;

function log(msg: string): void {
  process.stderr.write(`[e2e stack] ${msg}\n`);
}

/** Builds the console unless a build newer than every source file exists (FERRY_E2E_REBUILD=1 forces). */
function buildIfNeeded(env: NodeJS.ProcessEnv): void {
  const buildId = path.join(ROOT, ".next", "BUILD_ID");
  if (process.env.FERRY_E2E_REBUILD !== "1" && existsSync(buildId) && process.env.FERRY_E2E_SKIP_BUILD === "1") {
    log("using the existing build (FERRY_E2E_SKIP_BUILD=1)");
    return;
  }
  const t0 = Date.now();
  log("next build…");
  const r = spawnSync(process.execPath, [NEXT, "build"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  if (r.status !== 0) {
    process.stderr.write(r.stdout + r.stderr);
    throw new Error("next build failed");
  }
  log(`next build done in ${((Date.now() - t0) / 1000).toFixed(1)} s (${statSync(buildId).mtime.toISOString()})`);
}

async function main(): Promise<void> {
  const children: ChildProcess[] = [];
  const stops: Array<() => Promise<unknown>> = [];
  const teardown = async () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGTERM");
    await Promise.all(children.map((c) => (c.exitCode !== null ? null : new Promise((r) => c.once("exit", r)))));
    await closeDb().catch(() => undefined);
    for (const s of stops.reverse()) await s().catch(() => undefined);
  };
  process.on("SIGTERM", () => void teardown().finally(() => process.exit(0)));
  process.on("SIGINT", () => void teardown().finally(() => process.exit(0)));

  try {
    const db = await createTestDatabase();
    stops.push(db.drop);
    const secretKey = randomBytes(32).toString("base64");
    const dataDir = mkdtempSync(path.join(tmpdir(), "ferry-e2e-"));
    const adminPassword = `Admin-${randomBytes(6).toString("hex")}`;
    process.env.DATABASE_URL = db.url;
    process.env.FERRY_SECRET_KEY = secretKey;
    process.env.FERRY_DATA_DIR = dataDir;
    process.env.FERRY_LOG_LEVEL = "warn";
    resetEnvCache();
    await getDb(); // migrations

    const slapd = await startSlapd();
    stops.push(() => slapd.stop());
    const dns: string[] = [];
    for (let i = 1; i <= E2E_USERS; i++) {
      const n = String(i).padStart(2, "0");
      dns.push(await slapd.addUser({ uid: `e2euser${n}`, givenName: ["Ada", "Grace", "Alan", "Edsger"][i % 4]!, sn: `Tester${n}`, mail: `e2euser${n}@example.com`, employeeType: "staff" }));
    }
    await slapd.addGroup("app-users", dns);
    await slapd.addGroup("engineering", dns.slice(0, 5));
    await slapd.addGroup("sales", dns.slice(5, 9));
    const scim = await startScimmy();
    stops.push(() => scim.stop());

    const port = await freePort();
    const baseURL = `http://127.0.0.1:${port}`;
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      DATABASE_URL: db.url,
      FERRY_SECRET_KEY: secretKey,
      FERRY_DATA_DIR: dataDir,
      NEXTAUTH_URL: baseURL,
      NEXTAUTH_SECRET: randomBytes(32).toString("base64url"),
      FERRY_ADMIN_USERNAME: "admin",
      FERRY_ADMIN_PASSWORD: adminPassword,
      FERRY_HEARTBEAT_SEC: "1",
      FERRY_LOG_LEVEL: "warn",
      NEXT_TELEMETRY_DISABLED: "1",
    };
    buildIfNeeded(env);

    const web = spawn(process.execPath, [...CONSOLE_SERVER, "--port", String(port), "--host", "127.0.0.1"], { cwd: ROOT, env, stdio: ["ignore", "pipe", "pipe"] });
    children.push(web);
    let webOut = "";
    web.stdout?.on("data", (d) => (webOut += d));
    web.stderr?.on("data", (d) => {
      webOut += d;
      process.stderr.write(`[console] ${d}`);
    });
    await waitFor("the console to answer", async () => (await fetch(`${baseURL}/login`).catch(() => null))?.ok, 60_000, 250).catch((err) => {
      process.stderr.write(webOut);
      throw err;
    });
    if (!webOut.includes('first admin "admin" was created')) throw new Error(`the console did not report creating the first admin:\n${webOut}`);

    const worker = startWorker({ ...(env as Record<string, string>), FERRY_DATA_DIR: mkdtempSync(path.join(tmpdir(), "ferry-e2e-worker-")), FERRY_LOG_LEVEL: "warn" });
    children.push(worker.child);

    // the other roles, as an admin would add them (then they set their own password)
    const users = {
      admin: { username: "admin", password: adminPassword },
      operator: { username: "olivia", password: `Operator-${randomBytes(6).toString("hex")}` },
      viewer: { username: "victor", password: `Viewer-${randomBytes(6).toString("hex")}` },
    };
    const prisma = await getDb();
    await createConsoleUser({ username: "olivia", displayName: "Olivia Operator", role: "operator", password: users.operator.password, actor: "admin", via: "test" });
    await createConsoleUser({ username: "victor", displayName: "Victor Viewer", role: "viewer", password: users.viewer.password, actor: "admin", via: "test" });
    await prisma.consoleUser.updateMany({ where: { username: { in: ["olivia", "victor"] } }, data: { mustChangePassword: false } });

    const state = {
      baseURL,
      databaseUrl: db.url,
      users,
      slapd: { url: slapd.url, adminDn: slapd.adminDn, adminPassword: slapd.adminPassword, peopleDn: slapd.peopleDn, groupsDn: slapd.groupsDn, provisioningGroupDn: `cn=app-users,${slapd.groupsDn}` },
      scim: { baseUrl: scim.baseUrl, token: scim.token },
      directoryUsers: E2E_USERS,
    };
    const stateFile = process.env.FERRY_E2E_STATE_FILE ?? path.join(dataDir, "state.json");
    writeFileSync(stateFile, JSON.stringify(state, null, 2), { mode: 0o600 });
    process.stdout.write(`READY ${stateFile}\n`);
  } catch (err) {
    log(`failed: ${(err as Error).stack ?? err}`);
    await teardown();
    process.exit(1);
  }
}

void main();
