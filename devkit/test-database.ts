// A fresh PostgreSQL database on the local server (one per test file, one per benchmark
// run), migrated by Ferry's own migrator, dropped afterwards. Refuses anything but a
// loopback server.
import { randomBytes } from "node:crypto";
import pg from "pg";
import { closeDb, getDb } from "../lib/db/index.ts";
import { resetEnvCache } from "../lib/env.ts";

const ADMIN_URL = process.env.FERRY_TEST_PG_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres";

export function assertLocalDatabase(url: string): void {
  const host = new URL(url).hostname;
  if (!["127.0.0.1", "localhost", "::1", "[::1]"].includes(host)) {
    throw new Error(`refusing to run tests against a non-local database (${host})`);
  }
}

export type TTestDatabase = { url: string; name: string; drop: () => Promise<void> };

export async function createTestDatabase(): Promise<TTestDatabase> {
  assertLocalDatabase(ADMIN_URL);
  const name = `ferry_test_${randomBytes(5).toString("hex")}`;
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  await admin.end();
  const u = new URL(ADMIN_URL);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    name,
    drop: async () => {
      const a = new pg.Client({ connectionString: ADMIN_URL });
      await a.connect();
      await a.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.end();
    },
  };
}

/** Points this process's Ferry (lib/db, lib/env) at a fresh test database. */
export async function useTestDatabase(): Promise<TTestDatabase & { cleanup: () => Promise<void> }> {
  const db = await createTestDatabase();
  process.env.DATABASE_URL = db.url;
  process.env.FERRY_SECRET_KEY ??= randomBytes(32).toString("base64");
  process.env.FERRY_LOG_LEVEL ??= "warn";
  resetEnvCache();
  await getDb();
  return {
    ...db,
    cleanup: async () => {
      await closeDb();
      await db.drop();
    },
  };
}
