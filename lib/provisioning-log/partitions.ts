// The provisioning log's day partitions: created a day ahead, dropped whole when older
// than the retention (FERRY_PROVISIONING_LOG_DAYS, 30 by default). Dropping a partition
// is instant whatever it holds; the default partition (rows of a day that had none yet)
// is cleaned with a DELETE, which only ever holds a few.
import type { TSql } from "../db/index.ts";

const made = new Set<string>();

const dayOf = (d: Date) => d.toISOString().slice(0, 10);
const nameOf = (day: string) => `provisioning_log_${day.replace(/-/g, "")}`;

function nextDay(day: string): string {
  const d = new Date(`${day}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return dayOf(d);
}

/** The partitions for `at`'s day and the next one exist. */
export async function ensurePartitions(db: TSql, at: Date): Promise<void> {
  const today = dayOf(at);
  for (const day of [today, nextDay(today)]) {
    if (made.has(day)) continue;
    try {
      await db.$executeRawUnsafe(
        `CREATE TABLE IF NOT EXISTS "${nameOf(day)}" PARTITION OF provisioning_log FOR VALUES FROM ('${day} 00:00:00') TO ('${nextDay(day)} 00:00:00')`,
      );
    } catch (err) {
      // rows of that day already in the default partition (a log written before its day had
      // one, or two processes racing): they stay there, and are dropped by the retention
      if (!/would be violated|already exists/.test((err as Error).message)) throw err;
    }
    made.add(day);
  }
}

/** Drops the partitions (and default-partition rows) older than `days`. Returns the partitions dropped. */
export async function pruneProvisioningLog(db: TSql, days: number, now = new Date()): Promise<string[]> {
  const cutoff = new Date(now.getTime() - days * 86_400_000);
  const parts = await db.$queryRawUnsafe<Array<{ name: string }>>(
    `SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
      WHERE p.relname = 'provisioning_log' AND c.relname ~ '^provisioning_log_[0-9]{8}$'`,
  );
  const dropped: string[] = [];
  for (const { name } of parts) {
    const d = name.slice(-8);
    const end = new Date(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}T00:00:00Z`);
    end.setUTCDate(end.getUTCDate() + 1);
    if (end.getTime() <= cutoff.getTime()) {
      await db.$executeRawUnsafe(`DROP TABLE IF EXISTS "${name}"`);
      made.delete(`${d.slice(0, 4)}-${d.slice(4, 6)}-${d.slice(6, 8)}`);
      dropped.push(name);
    }
  }
  await db.$executeRawUnsafe(`DELETE FROM provisioning_log_default WHERE at < $1`, cutoff);
  return dropped;
}
