// Asks the workers for a channel's next cycle now instead of at its scheduled time (an
// approval, an operator's "run now"). It replaces the channel's one waiting cycle job
// (same queue and job key as the scheduler's, run-cycle-job.ts), so it never adds a
// second one, in the lane the channel's state calls for (cycle-lane.ts). Works from any
// process that can reach the store; when no worker has ever installed the job schema
// there is nobody to ask, and it says so (false).
import { getDb } from "../db/index.ts";
import { cycleJobKey, cycleQueue, cycleTask } from "./cycle-job-names.ts";
import { LANE_FIELDS, laneOf } from "./cycle-lane.ts";

export async function requestCycleSoon(channelId: number, trigger: string): Promise<boolean> {
  const db = await getDb();
  const [installed] = await db.$queryRawUnsafe<Array<{ ok: boolean }>>(
    `SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'graphile_worker' AND p.proname = 'add_job') AS ok`,
  );
  if (!installed?.ok) return false;
  const channel = await db.channel.findUnique({ where: { id: channelId }, select: LANE_FIELDS });
  await db.$queryRawUnsafe(
    `SELECT graphile_worker.add_job($1::text, json_build_object('channelId', $2::int, 'trigger', $3::text), queue_name => $4::text,
       run_at => now(), max_attempts => 100, job_key => $5::text, job_key_mode => 'replace')`,
    cycleTask(channel ? laneOf(channel) : "incremental"),
    channelId,
    trigger,
    cycleQueue(channelId),
    cycleJobKey(channelId),
  );
  return true;
}
