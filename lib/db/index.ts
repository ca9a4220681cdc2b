// The Prisma client, shared by console, worker and CLI. The database is DATABASE_URL
// or, without it, the embedded PostgreSQL under the data directory.
import { PrismaPg } from "@prisma/adapter-pg";
import type pg from "pg";
import { PrismaClient } from "../../generated/prisma/client.ts";
import { getEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { ensureEmbeddedPostgres } from "./embedded.ts";
import { migrate } from "./migrate.ts";
import { createPool, rawViaPool, type TRawSql } from "./raw.ts";

export { Prisma } from "../../generated/prisma/client.ts";
export type { PrismaClient };

/** What raw SQL needs: the client or a transaction. */
export type TSql = Pick<PrismaClient, "$queryRawUnsafe" | "$executeRawUnsafe">;

type TDbState = { prisma: PrismaClient; url: string; stopEmbedded: () => Promise<void>; pool: pg.Pool | null };
let state: Promise<TDbState> | undefined;

export async function resolveDatabaseUrl(): Promise<{ url: string; stopEmbedded: () => Promise<void> }> {
  const env = getEnv();
  if (env.DATABASE_URL) return { url: env.DATABASE_URL, stopEmbedded: async () => undefined };
  const emb = await ensureEmbeddedPostgres();
  return { url: emb.url, stopEmbedded: emb.stop };
}

export function createPrisma(url: string): PrismaClient {
  // a worker's cycle may hold two connections at once (a first load writes what it reads
  // while its push records what the target answered): room for every slot's
  const max = Math.max(10, getEnv().FERRY_WORKER_CONCURRENCY * 2 + 2);
  return new PrismaClient({ adapter: new PrismaPg({ connectionString: url, max }) });
}

async function init(): Promise<TDbState> {
  const { url, stopEmbedded } = await resolveDatabaseUrl();
  try {
    await migrate(url);
  } catch (err) {
    const e = err as { code?: string; message?: string };
    throw new AppError(
      "DATABASE_UNAVAILABLE",
      `cannot open the Ferry database at ${redactUrl(url)}: ${e.message ?? e.code ?? String(err)}`,
    );
  }
  return { prisma: createPrisma(url), url, stopEmbedded, pool: null };
}

export async function getDb(): Promise<PrismaClient> {
  state ??= init().catch((err) => {
    state = undefined;
    throw err;
  });
  return (await state).prisma;
}

/**
 * The read path's statements on a plain `pg` pool (lib/db/raw.ts), opened on first use
 * beside Prisma's: as many connections as cycles run at once.
 */
export async function getRawSql(): Promise<TRawSql> {
  await getDb();
  const s = await state!;
  s.pool ??= createPool(s.url, Math.max(2, getEnv().FERRY_WORKER_CONCURRENCY));
  return rawViaPool(s.pool);
}

export async function closeDb(): Promise<void> {
  if (!state) return;
  const s = await state.catch(() => undefined);
  state = undefined;
  if (!s) return;
  await s.pool?.end().catch(() => undefined);
  await s.prisma.$disconnect();
  await s.stopEmbedded();
}

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "****";
    return u.toString();
  } catch {
    return "<invalid url>";
  }
}
