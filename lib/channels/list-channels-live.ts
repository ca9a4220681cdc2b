// The console's channel list: the --show-channels columns plus whether a cycle is
// running now, so the page can refresh faster while one is.
import { cycleActivity, type TCycleActivity } from "./cycle-activity.ts";
import { listChannels, type TChannelSummary } from "./list-channels.ts";

export type TChannelLive = TChannelSummary & { activity: TCycleActivity };

export async function listChannelsLive(): Promise<TChannelLive[]> {
  const [channels, activity] = await Promise.all([listChannels(), cycleActivity()]);
  return channels.map((c) => ({ ...c, activity: activity.get(c.id) ?? { running: false, stalled: false, latest: null, progress: null } }));
}
