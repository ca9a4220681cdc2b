// Applies prisma/migrations/*/migration.sql in order, once each, under an advisory
// lock so that a console, a worker and provmgr starting together cannot race.
// Ferry applies its own SQL because Prisma's migrate engine is a native binary that
// Prisma downloads from its CDN at run time; the SQL files keep Prisma's layout.
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, existsSync } from "node:fs";
import path from "node:path";
import pg from "pg";

// Bundled into the Next.js server, import.meta.dirname is gone; the console runs from the install directory.
const MIGRATIONS_DIR =
  typeof import.meta.dirname === "string"
    ? path.resolve(import.meta.dirname, "../../prisma/migrations")
    : path.resolve(process.cwd(), "prisma/migrations");
const LOCK_KEY = 727_274_001; // arbitrary, constant: "ferry migrations"

export async function migrate(connectionString: string): Promise<string[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  const applied: string[] = [];
  try {
    await client.query("SELECT pg_advisory_lock($1)", [LOCK_KEY]);
    await client.query(
      `CREATE TABLE IF NOT EXISTS "_ferry_migrations" (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP)`,
    );
    const done = new Map<string, string>(
      (await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM "_ferry_migrations"`)).rows.map(
        (r) => [r.name, r.checksum],
      ),
    );
    const names = readdirSync(MIGRATIONS_DIR)
      .filter((d) => existsSync(path.join(MIGRATIONS_DIR, d, "migration.sql")))
      .sort();
    for (const name of names) {
      const sql = readFileSync(path.join(MIGRATIONS_DIR, name, "migration.sql"), "utf8");
      const checksum = createHash("sha256").update(sql).digest("hex");
      const prev = done.get(name);
      if (prev) {
        if (prev !== checksum) throw new Error(`migration ${name} was changed after it was applied`);
        continue;
      }
      await client.query("BEGIN");
      try {
        await client.query(sql);
        await client.query(`INSERT INTO "_ferry_migrations"(name, checksum) VALUES ($1, $2)`, [name, checksum]);
        await client.query("COMMIT");
      } catch (err) {
        await client.query("ROLLBACK");
        throw new Error(`migration ${name} failed: ${(err as Error).message}`);
      }
      applied.push(name);
    }
  } finally {
    await client.query("SELECT pg_advisory_unlock($1)", [LOCK_KEY]).catch(() => undefined);
    await client.end();
  }
  return applied;
}
