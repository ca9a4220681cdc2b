// How a channel's cycle job is named in graphile-worker: one task, one queue per channel
// (its jobs run one at a time on any node) and one job key (at most one cycle waiting).
// Shared by the worker's scheduler and by processes that ask for a cycle (the console).
export const RUN_CYCLE = "run-cycle";
export const cycleQueue = (channelId: number): string => `channel:${channelId}`;
export const cycleJobKey = (channelId: number): string => `cycle:${channelId}`;
