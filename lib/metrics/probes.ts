// /healthz (the process answers) and /readyz (it can do its work: the store answers and
// every migration this version knows is applied), for the console and the worker.
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";
import { getDb } from "../db/index.ts";

export type TProbe = { ok: boolean; checks: Record<string, { ok: boolean; detail?: string }> };

export function healthz(): TProbe {
  return { ok: true, checks: { process: { ok: true, detail: `up ${Math.round(process.uptime())} s` } } };
}

const MIGRATIONS_DIR =
  typeof import.meta.dirname === "string" ? path.resolve(import.meta.dirname, "../../prisma/migrations") : path.resolve(process.cwd(), "prisma/migrations");

export async function readyz(timeoutMs = 2000): Promise<TProbe> {
  const checks: TProbe["checks"] = {};
  try {
    const db = await withTimeout(getDb(), timeoutMs, "the store did not answer");
    await withTimeout(db.$queryRawUnsafe("SELECT 1"), timeoutMs, "the store did not answer");
    checks.database = { ok: true };
    const applied = new Set((await db.$queryRawUnsafe<Array<{ name: string }>>(`SELECT name FROM "_ferry_migrations"`)).map((r) => r.name));
    const known = existsSync(MIGRATIONS_DIR) ? readdirSync(MIGRATIONS_DIR).filter((d) => existsSync(path.join(MIGRATIONS_DIR, d, "migration.sql"))) : [];
    const missing = known.filter((m) => !applied.has(m));
    checks.migrations = missing.length === 0 ? { ok: true, detail: `${applied.size} applied` } : { ok: false, detail: `not applied: ${missing.join(", ")}` };
  } catch (err) {
    checks.database = { ok: false, detail: (err as Error).message };
  }
  return { ok: Object.values(checks).every((c) => c.ok), checks };
}

function withTimeout<T>(p: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout;
  return Promise.race([p, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${message} within ${ms} ms`)), ms)))]).finally(() => clearTimeout(timer));
}
