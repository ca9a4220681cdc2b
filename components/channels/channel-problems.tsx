"use client";
// Why a channel is unwell, where the admin is looking: a running, stalled, failed or
// partial cycle, or a channel switched off.
import Link from "next/link";
import { Banner } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import type { TOverview } from "./use-channel";

export function ChannelProblems({ c, showRunning = true }: { c: TOverview; showRunning?: boolean }) {
  const last = c.state.lastCycleStatus;
  return (
    <>
      {showRunning && c.activity.running && (
        <Banner tone="blue" title="A cycle is running">
          Started <Time value={c.activity.latest?.startedAt} />. Counts refresh every 1.5 seconds until it finishes.
        </Banner>
      )}
      {c.activity.stalled && (
        <Banner tone="amber" title="A cycle has been running for more than 30 minutes">
          Its node may have stopped mid-cycle; see <Link href="/nodes">Nodes</Link>. The next cycle picks up where it left off.
        </Banner>
      )}
      {(last === "FAILED" || last === "PARTIAL") && c.state.lastCycleMessage && (
        <Banner tone={last === "FAILED" ? "red" : "amber"} title={last === "FAILED" ? "The last cycle failed" : "The last cycle finished with problems"}>
          <span data-testid="last-cycle-message">{c.state.lastCycleMessage}</span>
        </Banner>
      )}
      {(c.channelStatus !== "active" || c.connectionStatus !== "active") && (
        <Banner tone="amber" title="This channel is inactive">
          The worker does not run cycles for it. {c.channelStatus !== "active" ? "The channel" : "Its connection"} is switched off.
        </Banner>
      )}
    </>
  );
}
