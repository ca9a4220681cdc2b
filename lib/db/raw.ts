// The read path's per-batch statements, on a plain `pg` pool beside Prisma. A full read
// of 100,000 users asks the store about 200 batches of 500 entries, and Prisma's own
// work per raw statement (its query engine, and its encoding of a large parameter) was
// 2.5-7 ms of CPU each (measured against the same statement on `pg`: 4.8 against 2.3 ms
// with arrays, 11.2 against 3.9 ms with one JSON document) — CPU taken from the read's
// one thread, which decodes the directory's answers meanwhile. Only reads go here; every
// write stays on Prisma, inside the lease's transaction.
import pg from "pg";
import type { TSql } from "./index.ts";

/** Rows of one statement. int8 columns come back as strings from `pg` and as bigints from Prisma: callers accept both. */
export type TRawSql = { rows<T>(sql: string, params: unknown[]): Promise<T[]> };

export function rawViaPool(pool: pg.Pool): TRawSql {
  return { rows: async <T>(sql: string, params: unknown[]) => (await pool.query(sql, params)).rows as T[] };
}

/** Through Prisma (a plan's transaction, which must read what it wrote). */
export function rawViaPrisma(db: TSql): TRawSql {
  return { rows: <T>(sql: string, params: unknown[]) => db.$queryRawUnsafe<T[]>(sql, ...params) };
}

export function createPool(url: string, max: number): pg.Pool {
  const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: 30_000 });
  // an idle connection the server dropped is replaced at the next query; never an unhandled error
  pool.on("error", () => undefined);
  return pool;
}
