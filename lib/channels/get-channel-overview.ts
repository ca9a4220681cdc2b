// A channel's overview page in one call: its masked configuration and state, what the
// store holds by state, whether a cycle is running and the last cycles.
import { getDb } from "../db/index.ts";
import { cycleActivity, type TCycleActivity } from "./cycle-activity.ts";
import { describeChannel, type TChannelDescription } from "./describe-channel.ts";
import { listCycles, type TCycleView } from "./list-cycles.ts";
import { listDeprovisionHolds, type THoldView } from "./list-deprovision-holds.ts";
import { healthOf, type THealthView } from "./health-of.ts";
import { targetHost } from "../governor/host-key.ts";
import { readGovernorState, type TGovernorState } from "../governor/read-governor-state.ts";
import { resolveTargetProfile, type TRateLimit } from "../scim/profiles.ts";

export type TStoreCounts = { total: number; provisioned: number; inactive: number; absent: number; dirty: number; failing: number; outOfScope: number };

export type TChannelOverview = TChannelDescription & {
  counts: { users: TStoreCounts; groups: TStoreCounts };
  activity: TCycleActivity;
  cycles: TCycleView[];
  /** deprovisioning held for approval, with the first records each hold covers */
  holds: THoldView[];
  /** healthy, degraded, failing, quarantined, held, inactive or pending, and why */
  health: THealthView;
  /** the shared rate governor's state for the target's host (every channel sending there shares it); null before any cycle sent there */
  rateGovernor: TGovernorState | null;
  /** the target's rate limit in effect: its own rateLimit, else its profile's */
  effectiveRateLimit: TRateLimit | null;
  createdAt: Date;
  updatedAt: Date;
};

async function countByState(table: "user_record" | "group_record", channelId: number): Promise<TStoreCounts> {
  const db = await getDb();
  const [r] = await db.$queryRawUnsafe<Array<Record<string, bigint>>>(
    `SELECT count(*) AS total,
            count(*) FILTER (WHERE target_state = 'ACTIVE') AS provisioned,
            count(*) FILTER (WHERE target_state = 'INACTIVE') AS inactive,
            count(*) FILTER (WHERE target_state = 'ABSENT') AS absent,
            count(*) FILTER (WHERE dirty) AS dirty,
            count(*) FILTER (WHERE last_error IS NOT NULL) AS failing,
            count(*) FILTER (WHERE source_state <> 'IN_SCOPE') AS out_of_scope
       FROM ${table} WHERE channel_id = $1`,
    channelId,
  );
  const g = (k: string) => Number(r?.[k] ?? 0);
  return { total: g("total"), provisioned: g("provisioned"), inactive: g("inactive"), absent: g("absent"), dirty: g("dirty"), failing: g("failing"), outOfScope: g("out_of_scope") };
}

export async function getChannelOverview(options: { channelId: number }): Promise<TChannelOverview> {
  const description = await describeChannel(options);
  const db = await getDb();
  const [users, groups, activity, cycles, holds, row, governor] = await Promise.all([
    countByState("user_record", options.channelId),
    countByState("group_record", options.channelId),
    cycleActivity([options.channelId]),
    listCycles({ channelId: options.channelId, limit: 10 }),
    listDeprovisionHolds({ channelId: options.channelId, limit: 5, sample: 8 }),
    db.channel.findUnique({ where: { id: options.channelId } }),
    readGovernorState(db, [targetHost(description.target.url)]),
  ]);
  return {
    ...description,
    counts: { users, groups },
    activity: activity.get(options.channelId) ?? { running: false, stalled: false, latest: null, progress: null },
    cycles,
    holds: holds.open,
    health: row ? healthOf(row, holds.open.filter((h) => h.status === "HELD").length) : { state: "pending", reason: "", since: null, quarantineUntil: null, failingCycles: 0 },
    rateGovernor: governor[0] ?? null,
    effectiveRateLimit: resolveTargetProfile(description.target).rateLimit ?? null,
    createdAt: row?.createdAt ?? new Date(0),
    updatedAt: row?.updatedAt ?? new Date(0),
  };
}
