// The worker's scheduler (lib/jobs/run-cycle-job.ts scheduleChannels) against a real
// PostgreSQL with graphile-worker's schema: it queues a cycle for every active channel
// that has none waiting, and leaves queued jobs alone (a settled node's pass writes
// nothing to the jobs table), but revives a job that ran out of attempts.
import { makeWorkerUtils, type WorkerUtils } from "graphile-worker";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { getDb } from "../../lib/db/index.ts";
import { scheduleChannels } from "../../lib/jobs/run-cycle-job.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

let utils: WorkerUtils;
let cleanup: () => Promise<void>;

const config = (name: string, active: boolean) => ({
  name,
  connectionId: name,
  active,
  syncFrequencySec: 30,
  source: { directoryType: "openldap", url: "ldap://127.0.0.1:1", bindDn: "cn=admin,dc=example,dc=com", bindPassword: "x", baseDn: "dc=example,dc=com", filter: "(uid=*)" },
  target: { url: "http://127.0.0.1:1/scim/v2", auth: { type: "bearer", token: "t" } },
});

type TJob = { key: string; revision: number; run_at: Date; task_identifier: string; attempts: number };
async function jobs(): Promise<Map<string, TJob>> {
  const db = await getDb();
  const rows = await db.$queryRawUnsafe<TJob[]>(`SELECT key, revision, run_at, task_identifier, attempts FROM graphile_worker.jobs WHERE key IS NOT NULL`);
  return new Map(rows.map((r) => [r.key, r]));
}

beforeAll(async () => {
  const t = await useTestDatabase();
  cleanup = t.cleanup;
  utils = await makeWorkerUtils({ connectionString: t.url });
  await utils.migrate();
});
afterAll(async () => {
  await utils?.release();
  await cleanup?.();
});

describe("scheduleChannels", () => {
  it("queues each active channel once, then leaves its waiting job as it is", async () => {
    const a = await applyChannelConfig({ actor: "test", via: "cli", config: config("sched a", true) });
    const b = await applyChannelConfig({ actor: "test", via: "cli", config: config("sched b", true) });
    const off = await applyChannelConfig({ actor: "test", via: "cli", config: config("sched off", false) });

    expect(await scheduleChannels(utils)).toBe(2);
    const first = await jobs();
    expect([...first.keys()].sort()).toEqual([`cycle:${a.id}`, `cycle:${b.id}`].sort());
    expect(first.has(`cycle:${off.id}`)).toBe(false);
    // never read: the first load's lane
    expect(first.get(`cycle:${a.id}`)!.task_identifier).toBe("run-bulk-cycle");

    // a settled node: nothing to queue, and the waiting jobs are not written again
    expect(await scheduleChannels(utils)).toBe(0);
    const second = await jobs();
    for (const [key, job] of first) expect(second.get(key)!.revision).toBe(job.revision);
  });

  it("queues a channel switched on, and revives a job that ran out of attempts", async () => {
    const db = await getDb();
    const off = await db.channel.findFirstOrThrow({ where: { name: "sched off" } });
    await applyChannelConfig({ actor: "test", via: "cli", config: config("sched off", true) });
    const a = await db.channel.findFirstOrThrow({ where: { name: "sched a" } });
    // a's job failed for good (graphile-worker keeps it, with its key)
    await db.$executeRawUnsafe(`UPDATE graphile_worker._private_jobs SET attempts = max_attempts WHERE key = $1`, `cycle:${a.id}`);

    expect(await scheduleChannels(utils)).toBe(2);
    const now = await jobs();
    expect(now.has(`cycle:${off.id}`)).toBe(true);
    expect(now.get(`cycle:${a.id}`)!.attempts).toBe(0);
    expect(await scheduleChannels(utils)).toBe(0);
  });
});
