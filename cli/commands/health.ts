// --run-cycle-now, --run-full-cycle-now, --retry-failed-records, --release-quarantine: the same lib functions as the console's buttons.
import { releaseQuarantine as releaseQuarantineLib } from "../../lib/channels/release-quarantine.ts";
import { retryNow } from "../../lib/channels/retry-now.ts";
import { runCycleNow } from "../../lib/channels/run-now.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtDate, plural } from "../format.ts";

const asked = (requested: boolean) => (requested ? "a cycle was asked for now" : "at the channel's next cycle (no worker has queued jobs yet, or the channel is inactive)");

export async function retryFailed(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const r = await retryNow({ channelId, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "retry-failed-records", channelId, ...r });
  else await ctx.out.lines([`Channel ${channelId}: ${plural(r.users, "user record")} and ${plural(r.groups, "group record")} the target refused are tried again: ${asked(r.cycleRequested)}.`]);
  return { users: r.users, groups: r.groups };
}

export async function releaseQuarantine(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const r = await releaseQuarantineLib({ channelId, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: "release-quarantine", channelId, ...r });
  else {
    await ctx.out.lines([
      r.wasQuarantined
        ? `Channel ${channelId}: released from quarantine (it was waiting until ${fmtDate(r.until)}): ${asked(r.cycleRequested)}.`
        : `Channel ${channelId}: was not in quarantine: ${asked(r.cycleRequested)}.`,
    ]);
  }
  return { wasQuarantined: r.wasQuarantined };
}

export async function runNow(ctx: TCommandContext, channelId: number, full: boolean): Promise<TSummary> {
  const r = await runCycleNow({ channelId, full, ...ctx.actor });
  if (ctx.out.json) await ctx.out.value({ command: full ? "run-full-cycle-now" : "run-cycle-now", channelId, ...r });
  else await ctx.out.lines([`Channel ${channelId}: ${full ? "a full cycle (the whole scope, and the target read back)" : "a cycle"} runs ${r.cycleRequested ? "now" : "at the channel's next cycle (no worker has queued jobs yet)"}.`]);
  return { cycleRequested: r.cycleRequested };
}
