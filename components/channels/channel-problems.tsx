"use client";
// Why a channel is unwell, where the admin is looking: deprovisioning held for
// approval, a running, stalled, failed or partial cycle, or a channel switched off.
import Link from "next/link";
import { Banner } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { HeldDeprovisioning } from "./held-deprovisioning";
import { QuarantineBanner } from "./quarantine-banner";
import { CycleProgress } from "@/components/console/cycle-progress";
import type { TOverview } from "./use-channel";

export function ChannelProblems({ c, showRunning = true }: { c: TOverview; showRunning?: boolean }) {
  const last = c.state.lastCycleStatus;
  const msg = c.state.lastCycleMessage ?? "";
  // a partial cycle whose only problem is the hold is said once, by the hold's own banner
  const onlyHeld = last === "PARTIAL" && c.holds.length > 0 && msg.includes("held for approval") && !/not acknowledged|push stopped|failed/.test(msg);
  return (
    <>
      <HeldDeprovisioning channelId={c.id} holds={c.holds} />
      <QuarantineBanner c={c} />
      {showRunning && c.activity.running && (
        <Banner tone="blue" title="A cycle is running">
          <div style={{ marginTop: 4 }}>
            <CycleProgress progress={c.activity.progress} />
          </div>
          Started <Time value={c.activity.latest?.startedAt} />; it reports its progress every two seconds.
        </Banner>
      )}
      {c.activity.stalled && (
        <Banner tone="amber" title="A cycle has been running for more than 30 minutes">
          Its node may have stopped mid-cycle; see <Link href="/nodes">Nodes</Link>. The next cycle picks up where it left off.
        </Banner>
      )}
      {(last === "FAILED" || last === "PARTIAL") && c.state.lastCycleMessage && !onlyHeld && c.health.state !== "quarantined" && (
        <Banner
          tone={last === "FAILED" || c.health.state === "failing" ? "red" : "amber"}
          title={
            c.health.state === "failing" && c.health.failingCycles > 1
              ? `Failing for ${c.health.failingCycles} cycles in a row`
              : last === "FAILED" || c.health.state === "failing"
                ? "The last cycle failed"
                : "The last cycle finished with problems"
          }
        >
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
