"use client";
// The plan (dry run) of a channel's next cycle (lib/channels/plan-cycle.ts): counts per
// action, what the deprovisioning guard would hold and who, then the first records of
// each action with their attribute diffs (pending values against what the target last
// acknowledged) and each group's member changes. Made on demand — it reads the whole
// directory scope on a full plan — never polled.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { GROUP_PLAN_ACTIONS, USER_PLAN_ACTIONS, type TAttributeChange, type TPlan } from "@/lib/channels/plan-view";
import { api, ApiError, type Json } from "@/components/console/api";
import { Badge, Banner, Button, Card, EmptyState, fmtNumber, SkeletonRows, Stat } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { useViewer } from "@/components/console/viewer-context";

export type TPlanView = Json<TPlan>;

/** A plan is refused while a cycle of the channel runs (409 CYCLE_RUNNING): cycles are short, so ask again a few times, 2 s apart. */
export function retryWhileCycleRuns(failures: number, err: Error): boolean {
  return err instanceof ApiError && err.code === "CYCLE_RUNNING" && failures < 10;
}

const USER_TITLES = { create: "Users to create", update: "Users to update", enable: "Users to enable", disable: "Users to disable", delete: "Users to delete" } as const;
const GROUP_TITLES = { create: "Groups to create", rename: "Groups to rename", members: "Groups whose members change", delete: "Groups to delete" } as const;

const show = (v: string | number | boolean | null) => (v === null ? "—" : typeof v === "boolean" ? (v ? "true" : "false") : String(v));

function Diff({ changes }: { changes: TAttributeChange[] }) {
  if (changes.length === 0) return <span className="muted small">no attribute sent</span>;
  return (
    <ul className="plan-diff" aria-label="Attribute changes">
      {changes.map((c) => (
        <li key={c.attribute}>
          <span className="mono">{c.attribute}</span>{" "}
          {c.from !== null && (
            <>
              <del className="plan-from">{show(c.from)}</del> →{" "}
            </>
          )}
          <ins className="plan-to">{show(c.to)}</ins>
        </li>
      ))}
    </ul>
  );
}

export function CyclePlan({ channelId }: { channelId: number }) {
  const viewer = useViewer();
  const [full, setFull] = useState(false);
  const q = useQuery({
    queryKey: ["plan", channelId, full],
    queryFn: () => api<TPlanView>(`/channels/${channelId}/plan`, { query: { full: full ? "1" : undefined, limit: 50 } }),
    refetchOnWindowFocus: false,
    staleTime: Infinity,
    retry: retryWhileCycleRuns,
    retryDelay: 2_000,
  });
  const p = q.data;

  return (
    <div className="stack" data-testid="cycle-plan">
      <div className="row" style={{ flexWrap: "wrap", gap: 10, justifyContent: "space-between" }}>
        <p className="muted" style={{ margin: 0, maxWidth: 720 }}>
          What the next cycle would send to the service provider and what the deprovisioning guard would hold. The directory is read now; nothing is sent and
          nothing in Ferry&apos;s store changes (as <code className="code-inline">provmgr --show-plan</code>).
        </p>
        <div className="row" style={{ gap: 10 }}>
          {viewer.can("operator") && (
            <label className="check" style={{ alignItems: "center" }} title="Reads the whole scope; the channel's cycles wait meanwhile">
              <input type="checkbox" checked={full} onChange={(e) => setFull(e.target.checked)} aria-label="Plan a full cycle" />
              <span>full cycle</span>
            </label>
          )}
          <Button size="sm" onClick={() => void q.refetch()} disabled={q.isFetching} data-testid="plan-again">
            {q.isFetching ? "Planning…" : "Plan again"}
          </Button>
        </div>
      </div>
      {q.isError && <Banner tone="red" title="No plan">{q.error.message}</Banner>}
      {q.isPending && (
        <Card>
          <SkeletonRows rows={4} cols={4} />
        </Card>
      )}
      {p && <PlanDetails plan={p} />}
    </div>
  );
}

/** A plan: how it read, counts, holds, and each action's first records with their changes. */
export function PlanDetails({ plan: p }: { plan: TPlanView }) {
  const u = p.counts.users;
  const g = p.counts.groups;
  const heldUsers = p.held.find((h) => h.kind === "users")?.count ?? 0;
  const nothing = Object.values(u).every((n) => n === 0) && Object.values(g).every((n) => n === 0) && p.held.length === 0;
  return (
    <>
      <div className="small muted" data-testid="plan-mode">
        {p.mode === "full" ? "Full" : "Incremental"} read{p.reasons.length > 0 ? ` (${p.reasons.join("; ")})` : ""}: {fmtNumber(p.usersRead)} users and {fmtNumber(p.groupsRead)} groups read, planned{" "}
        <Time value={p.plannedAt} /> in {fmtNumber(p.ms)} ms.
      </div>
      <div className="grid-4">
        <Stat label="Users to create" value={fmtNumber(u.create)} tone={u.create ? "green" : undefined} />
        <Stat label="Users to update" value={fmtNumber(u.update + u.enable)} foot={u.enable ? `${fmtNumber(u.enable)} enabled again` : undefined} />
        <Stat label="Users to disable or delete" value={fmtNumber(u.disable + u.delete)} tone={u.disable + u.delete ? "amber" : undefined} foot={`${fmtNumber(u.disable)} disable · ${fmtNumber(u.delete)} delete${heldUsers ? ` · ${fmtNumber(heldUsers)} held by the guard` : ""}`} />
        <Stat
          label="Group changes"
          value={fmtNumber(g.create + g.rename + g.members + g.delete)}
          foot={`${fmtNumber(g.create)} new · ${fmtNumber(g.rename)} renamed · ${fmtNumber(g.members)} with member changes · ${fmtNumber(g.delete)} deleted`}
        />
      </div>
      {p.held.map((h) => (
        <Banner key={h.kind} tone="red" title={`The guard would hold the ${h.kind === "users" ? "deprovisioning" : "deletion"} of ${fmtNumber(h.count)} ${h.kind}`}>
          <div data-testid={`plan-held-${h.kind}`}>
            {h.reason}. {h.isNew ? "The next cycle would hold them for an administrator's approval." : "They are held already, waiting for an approval."}
          </div>
          {h.sample.length > 0 && (
            <div className="small" style={{ marginTop: 6 }}>
              {h.sample.map((r) => r.name ?? r.dn).join(", ")}
              {h.count > h.sample.length ? ` and ${fmtNumber(h.count - h.sample.length)} more` : ""}
            </div>
          )}
        </Banner>
      ))}
      {(p.waiting.users > 0 || p.waiting.groups > 0) && (
        <Banner tone="amber">
          {fmtNumber(p.waiting.users)} users and {fmtNumber(p.waiting.groups)} groups the target refused wait for their next try and are not in this plan.
        </Banner>
      )}
      {nothing && <EmptyState title="Nothing to send">The next cycle would find the target as the directory wants it.</EmptyState>}
      {USER_PLAN_ACTIONS.filter((a) => p.items.users[a].length > 0).map((a) => (
        <Card key={a} title={`${USER_TITLES[a]} (${fmtNumber(u[a])})`} hint={u[a] > p.items.users[a].length ? `the first ${p.items.users[a].length}` : undefined} flush>
          <div className="table-scroll">
            <table className="table" aria-label={USER_TITLES[a]} data-testid={`plan-users-${a}`}>
              <thead>
                <tr>
                  <th>User</th>
                  <th>Changes</th>
                </tr>
              </thead>
              <tbody>
                {p.items.users[a].map((r) => (
                  <tr key={r.id}>
                    <td style={{ overflowWrap: "anywhere" }}>
                      <strong>{r.userName ?? "—"}</strong>
                      {r.carriedOver && (
                        <>
                          {" "}
                          <Badge tone="amber">waiting from before</Badge>
                        </>
                      )}
                      <div className="cell-sub mono">{r.dn}</div>
                    </td>
                    <td>
                      <Diff changes={r.changes} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      ))}
      {GROUP_PLAN_ACTIONS.filter((a) => p.items.groups[a].length > 0).map((a) => (
        <Card key={a} title={`${GROUP_TITLES[a]} (${fmtNumber(g[a])})`} hint={g[a] > p.items.groups[a].length ? `the first ${p.items.groups[a].length}` : undefined} flush>
          <div className="table-scroll">
            <table className="table" aria-label={GROUP_TITLES[a]} data-testid={`plan-groups-${a}`}>
              <thead>
                <tr>
                  <th>Group</th>
                  <th>Changes</th>
                </tr>
              </thead>
              <tbody>
                {p.items.groups[a].map((r) => (
                  <tr key={r.id}>
                    <td style={{ overflowWrap: "anywhere" }}>
                      <strong>{r.displayName ?? "—"}</strong>
                      <div className="cell-sub mono">{r.dn}</div>
                    </td>
                    <td className="small">
                      {a === "rename" && (
                        <div>
                          displayName <del className="plan-from">{r.ackedName ?? "—"}</del> → <ins className="plan-to">{r.displayName}</ins>
                        </div>
                      )}
                      {a === "delete" && <span className="muted">deleted at the target</span>}
                      {r.add.count > 0 && (
                        <div>
                          <span className="plan-to">+{fmtNumber(r.add.count)}</span> {r.add.sample.join(", ")}
                          {r.add.count > r.add.sample.length ? ", …" : ""}
                        </div>
                      )}
                      {r.remove.count > 0 && (
                        <div>
                          <span className="plan-from">−{fmtNumber(r.remove.count)}</span> {r.remove.sample.join(", ")}
                          {r.remove.count > r.remove.sample.length ? ", …" : ""}
                        </div>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </Card>
      ))}
        </>
  );
}
