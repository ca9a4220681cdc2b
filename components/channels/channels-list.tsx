"use client";
import { CycleProgress } from "@/components/console/cycle-progress";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import type { TChannelLive } from "@/lib/channels/list-channels-live";
import { api, type Json } from "@/components/console/api";
import { CycleBadge, HealthBadge } from "@/components/console/status";
import { useViewer } from "@/components/console/viewer-context";
import { IconChannels, IconPlus } from "@/components/ui/icons";
import { Badge, Banner, Card, EmptyState, PageHead, SkeletonRows, Stat, fmtNumber } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";

type TChannel = Json<TChannelLive>;

export function ChannelsList() {
  const viewer = useViewer();
  const router = useRouter();
  const q = useQuery({
    queryKey: ["channels"],
    queryFn: () => api<{ channels: TChannel[] }>("/channels"),
    // live: faster while a cycle runs somewhere
    refetchInterval: (query) => (query.state.data?.channels.some((c) => c.activity.running) ? 1_500 : 5_000),
  });
  const channels = q.data?.channels ?? [];
  const totals = channels.reduce(
    (a, c) => ({
      users: a.users + c.users,
      dirty: a.dirty + c.dirtyUsers + c.dirtyGroups,
      // by health: a target that refuses everything is failing, not "partial"
      failing: a.failing + (c.health.state === "failing" || c.health.state === "quarantined" ? 1 : 0),
      quarantined: a.quarantined + (c.health.state === "quarantined" ? 1 : 0),
      attention: a.attention + (c.health.state === "held" || c.health.state === "degraded" ? 1 : 0),
      active: a.active + (c.channelStatus === "active" && c.connectionStatus === "active" ? 1 : 0),
    }),
    { users: 0, dirty: 0, failing: 0, quarantined: 0, attention: 0, active: 0 },
  );

  return (
    <>
      <PageHead
        title="Channels"
        sub="Each channel keeps one SCIM application in step with a source location in the directory."
        actions={
          viewer.can("admin") && (
            <Link className="btn primary" href="/channels/new">
              <IconPlus /> New channel
            </Link>
          )
        }
      />
      {q.isError && <Banner tone="red" title="The channel list could not be loaded">{(q.error as Error).message}</Banner>}
      {channels.some((c) => c.held.users + c.held.groups > 0) && (
        <div style={{ marginBottom: 16 }}>
          <Banner tone="red" title="Deprovisioning held for approval">
            {channels
              .filter((c) => c.held.users + c.held.groups > 0)
              .map((c, i) => (
                <span key={c.id}>
                  {i > 0 ? " · " : ""}
                  <Link href={`/channels/${c.id}`}>{c.name}</Link>: {[c.held.users ? `${fmtNumber(c.held.users)} users` : "", c.held.groups ? `${fmtNumber(c.held.groups)} groups` : ""].filter(Boolean).join(", ")}
                </span>
              ))}
            . Nobody was deprovisioned; open the channel to see why and who.
          </Banner>
        </div>
      )}
      {channels.length > 0 && (
        <div className="grid-4" style={{ marginBottom: 16 }}>
          <Stat label="Channels" value={fmtNumber(channels.length)} foot={`${totals.active} active`} />
          <Stat label="Users in the store" value={fmtNumber(totals.users)} foot="across all channels" />
          <Stat label="Dirty records" value={fmtNumber(totals.dirty)} tone={totals.dirty > 0 ? "amber" : undefined} foot="waiting for a target" />
          <Stat
            label="Failing channels"
            value={fmtNumber(totals.failing)}
            tone={totals.failing > 0 ? "red" : "green"}
            foot={
              totals.quarantined > 0
                ? `${totals.quarantined} in quarantine`
                : totals.failing > 0
                  ? "the directory or the target refuses them"
                  : totals.attention > 0
                    ? `${totals.attention} degraded or held`
                    : "all healthy"
            }
          />
        </div>
      )}
      <Card flush>
        {q.isPending ? (
          <SkeletonRows rows={4} cols={7} />
        ) : channels.length === 0 ? (
          <EmptyState
            icon={<IconChannels size={20} />}
            title="No channels yet"
            action={
              viewer.can("admin") ? (
                <Link className="btn primary" href="/channels/new">
                  <IconPlus /> Create the first channel
                </Link>
              ) : undefined
            }
          >
            A channel reads users and groups from a directory and provisions them to a SCIM application.
            {viewer.can("admin") ? "" : " An admin can create one."}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table rows-on-phone" aria-label="Channels">
              <thead>
                <tr>
                  <th className="num">ID</th>
                  <th>Channel</th>
                  <th>Status</th>
                  <th className="num">Users / dirty</th>
                  <th className="num">Groups / dirty</th>
                  <th>Source → target</th>
                  <th>Last cycle</th>
                </tr>
              </thead>
              <tbody>
                {channels.map((c) => {
                  const failing = c.lastCycleStatus === "FAILED" || c.lastCycleStatus === "PARTIAL";
                  return [
                    <tr key={c.id} className={`clickable${failing && c.lastCycleMessage ? " has-error" : ""}`} onClick={() => router.push(`/channels/${c.id}`)} data-testid={`channel-row-${c.id}`}>
                      <td className="num muted phone-hide">{c.id}</td>
                      <td className="cell-wrap">
                        <Link href={`/channels/${c.id}`} className="cell-title" onClick={(e) => e.stopPropagation()}>
                          {c.name}
                        </Link>
                        <div className="cell-sub">connection {c.connectionId}</div>
                      </td>
                      <td data-label="Status">
                        <div className="row-wrap" style={{ gap: 4 }}>
                          <HealthBadge state={c.health.state} reason={c.health.reason} />
                        </div>
                        {c.health.state === "inactive" && <div className="cell-sub">{c.channelStatus === "active" ? "connection switched off" : "switched off"}</div>}
                        {c.held.users + c.held.groups > 0 && (
                          <div style={{ marginTop: 4 }}>
                            <Badge tone="red" title="Deprovisioning held for approval">
                              {fmtNumber(c.held.users + c.held.groups)} held
                            </Badge>
                          </div>
                        )}
                      </td>
                      <td className="num nowrap" data-testid="users-dirty" data-label="Users / dirty">
                        <strong>{fmtNumber(c.users)}</strong>
                        <span className="muted"> / </span>
                        {c.dirtyUsers > 0 ? <Badge tone="violet">{fmtNumber(c.dirtyUsers)}</Badge> : <span className="muted">0</span>}
                      </td>
                      <td className="num nowrap" data-label="Groups / dirty">
                        <strong>{fmtNumber(c.groups)}</strong>
                        <span className="muted"> / </span>
                        {c.dirtyGroups > 0 ? <Badge tone="violet">{fmtNumber(c.dirtyGroups)}</Badge> : <span className="muted">0</span>}
                      </td>
                      <td className="cell-shrink" data-label="Source → target">
                        <div className="mono small truncate" title={c.source}>
                          {c.source}
                        </div>
                        <div className="cell-sub truncate" title={c.target}>
                          → {c.target}
                        </div>
                      </td>
                      <td className="nowrap" data-testid="last-cycle" data-label="Last cycle">
                        <CycleBadge status={c.lastCycleStatus} running={c.activity.running} />
                        <div className="cell-sub">
                          {c.activity.running ? (
                            <>
                              started <Time value={c.activity.latest?.startedAt} />
                              <div style={{ width: 180, marginTop: 4, whiteSpace: "normal" }}>
                                <CycleProgress progress={c.activity.progress} compact />
                              </div>
                            </>
                          ) : (
                            <>
                              <Time value={c.lastCycleAt} />
                              {c.lastPolledAt ? (
                                <div style={{ whiteSpace: "normal" }} title="The worker looked at the directory and found nothing of this channel changed: no cycle was needed">
                                  checked <Time value={c.lastPolledAt} />
                                </div>
                              ) : null}
                            </>
                          )}
                        </div>
                      </td>
                    </tr>,
                    failing && c.lastCycleMessage ? (
                      <tr key={`${c.id}-err`} className="error-row">
                        <td className="phone-hide" />
                        <td colSpan={6} className="error-cell">
                          <span className="small" role="alert">
                            <strong>{c.lastCycleStatus === "FAILED" ? "Last cycle failed: " : "Last cycle had problems: "}</strong>
                            {c.lastCycleMessage.length > 400 ? `${c.lastCycleMessage.slice(0, 400)}…` : c.lastCycleMessage}
                          </span>
                        </td>
                      </tr>
                    ) : null,
                  ];
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
      <p className="muted small" style={{ marginTop: 10 }}>
        The same list as <code className="code-inline">provmgr --show-channels</code>. It refreshes by itself{q.data?.channels.some((c) => c.activity.running) ? " every 1.5 s while a cycle runs" : " every 5 s"}.
      </p>
    </>
  );
}
