// How a channel's cycle job is named in graphile-worker: one task per lane (cycle-lane.ts:
// each lane's runner takes only its own), one queue per channel (its jobs run one at a
// time, in either lane, on any node) and one job key (at most one cycle waiting).
// Shared by the worker's scheduler and by processes that ask for a cycle (the console).
import type { TCycleLane } from "./cycle-lane.ts";

export const RUN_CYCLE = "run-cycle";
export const RUN_BULK_CYCLE = "run-bulk-cycle";
export const cycleTask = (lane: TCycleLane): string => (lane === "bulk" ? RUN_BULK_CYCLE : RUN_CYCLE);
export const cycleQueue = (channelId: number): string => `channel:${channelId}`;
/** the job key of a channel's cycle is this and its id (the scheduler finds channels without one in SQL) */
export const CYCLE_JOB_KEY_PREFIX = "cycle:";
export const cycleJobKey = (channelId: number): string => `${CYCLE_JOB_KEY_PREFIX}${channelId}`;
