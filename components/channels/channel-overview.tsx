"use client";
import Link from "next/link";
import { CycleBadge } from "@/components/console/status";
import { IconClock } from "@/components/ui/icons";
import { Badge, Card, EmptyState, KeyValue, SkeletonRows, Stat, fmtNumber } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { governorLine } from "@/lib/governor/governor-line";
import { ChannelCharts } from "./channel-charts";
import { ChannelProblems } from "./channel-problems";
import { useChannel, type TOverview } from "./use-channel";

function duration(c: TOverview["cycles"][number]): string {
  if (!c.finishedAt) return "…";
  const ms = Date.parse(c.finishedAt) - Date.parse(c.startedAt);
  return ms < 1000 ? `${ms} ms` : ms < 60_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 60_000)} min`;
}

function pushed(stats: Record<string, unknown> | null): string {
  const p = (stats?.pushed ?? {}) as Record<string, number>;
  const parts = Object.entries(p)
    .filter(([, n]) => n > 0)
    .map(([k, n]) => `${n} ${k.toLowerCase().replace(/_/g, " ")}`);
  return parts.length ? parts.join(", ") : "nothing";
}

export function ChannelOverview({ id }: { id: number }) {
  const q = useChannel(id);
  const c = q.data;
  if (!c) return q.isPending ? <Card flush><SkeletonRows rows={6} cols={4} /></Card> : null;
  const u = c.counts.users;
  const g = c.counts.groups;
  const last = c.state.lastCycleStatus;

  return (
    <div className="stack">
      <ChannelProblems c={c} />

      <div className="grid-4">
        <Stat label="Users in the store" value={fmtNumber(u.total)} foot={`${fmtNumber(u.outOfScope)} out of scope`} />
        <Stat label="Provisioned" value={fmtNumber(u.provisioned)} tone="green" foot={`${fmtNumber(u.inactive)} disabled at the target`} />
        <Stat label="Dirty users" value={fmtNumber(u.dirty)} tone={u.dirty ? "amber" : undefined} foot={u.failing ? `${fmtNumber(u.failing)} with an error` : "none failing"} />
        <Stat label="Groups" value={fmtNumber(g.total)} foot={`${fmtNumber(g.provisioned)} provisioned · ${fmtNumber(g.dirty)} dirty`} tone={g.failing ? "red" : undefined} />
      </div>

      <div className="grid-2">
        <Card title="State" hint="What the next cycle starts from">
          <KeyValue
            items={[
              ["Last cycle", <span key="l" className="row"><CycleBadge status={last} running={c.activity.running} /> <Time value={c.state.lastCycleAt} /></span>],
              [
                "Last checked",
                c.state.lastPolledAt ? (
                  <span key="p">
                    <Time value={c.state.lastPolledAt} /> <span className="muted">— nothing changed in the directory, no cycle needed</span>
                  </span>
                ) : (
                  <span key="p" className="muted">at the last cycle</span>
                ),
              ],
              ["Last full read", <Time key="f" value={c.state.lastFullSyncAt} />],
              ["Group timestamp", c.state.groupTimestamp ? <code>{c.state.groupTimestamp}</code> : <span className="muted">reset: the group is processed in full next cycle</span>],
              [
                "Attribute-sync timestamp",
                c.state.attributeSyncTimestamp === "1" ? (
                  <span>
                    <code>1</code> <span className="muted">— every user is looked at next cycle</span>
                  </span>
                ) : c.state.attributeSyncTimestamp ? (
                  <code>{c.state.attributeSyncTimestamp}</code>
                ) : (
                  <span className="muted">none yet</span>
                ),
              ],
              ["Sync frequency", `every ${c.syncFrequencySec} s`],
              ["Created", <Time key="c" value={c.createdAt} />],
            ]}
          />
        </Card>
        <Card title="Source and target" actions={<Link href={`/channels/${id}/config`} className="btn sm">Details</Link>}>
          <KeyValue
            items={[
              ["Directory", <span key="d">{c.source.directoryType}</span>],
              ["Source", <code key="s" className="break">{c.source.ldapUrl}</code>],
              ["Bind DN", <code key="b">{c.source.bindDn}</code>],
              ["Target", <code key="t" className="break">{c.target.url}</code>],
              ["Target auth", c.target.auth.type],
              ["Target rate", <span key="g" title="Shared by every channel and node sending to this host">{governorLine({ configured: c.effectiveRateLimit, state: c.rateGovernor })}</span>],
              ["On removal", <span key="r">{c.options.removeUserAction === "delete" ? "delete the user" : "disable the user"}{c.options.deprovisionUsers ? "" : " (deprovisioning off)"}</span>],
              ["Groups", c.options.provisionGroups ? "provisioned" : <span className="muted">not provisioned</span>],
            ]}
          />
        </Card>
      </div>

      <ChannelCharts channelId={c.id} />

      <Card title="Last cycles" hint="Newest first" flush>
        {c.cycles.length === 0 ? (
          <EmptyState icon={<IconClock />} title="No cycle has run yet">
            {c.channelStatus === "active" ? "The worker starts the first cycle within a few seconds of the channel being created." : "Activate the channel to let the worker run it."}
          </EmptyState>
        ) : (
          <div className="table-wrap">
            <table className="table" aria-label="Last cycles">
              <thead>
                <tr>
                  <th>Started</th>
                  <th>Status</th>
                  <th>Read</th>
                  <th>Pushed</th>
                  <th className="num">Failed</th>
                  <th className="num">Took</th>
                  <th>Message</th>
                </tr>
              </thead>
              <tbody>
                {c.cycles.map((cy) => {
                  const st = cy.stats ?? {};
                  return (
                    <tr key={cy.id}>
                      <td>
                        <Time value={cy.startedAt} />
                        <div className="cell-sub">
                          <Link href={`/channels/${c.id}/log?cycle=${cy.id}`} title="The requests this cycle sent">
                            #{cy.id}
                          </Link>{" "}
                          · {cy.kind}
                          {cy.nodeId ? ` · node ${cy.nodeId}` : ""}
                        </div>
                      </td>
                      <td>
                        <CycleBadge status={cy.status} />
                      </td>
                      <td className="nowrap small">
                        {st.mode ? <Badge tone={st.mode === "full" ? "blue" : "gray"}>{String(st.mode)}</Badge> : null}{" "}
                        {fmtNumber(Number(st.usersRead ?? 0))} users, {fmtNumber(Number(st.groupsRead ?? 0))} groups
                      </td>
                      <td className="small">{pushed(cy.stats)}</td>
                      <td className="num">{Number(st.failed ?? 0) > 0 ? <Badge tone="red">{Number(st.failed)}</Badge> : <span className="muted">0</span>}</td>
                      <td className="num nowrap">{duration(cy)}</td>
                      <td className="small" style={{ maxWidth: 380 }}>
                        <div className="truncate" title={cy.message ?? ""}>{cy.message}</div>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        )}
      </Card>
    </div>
  );
}
