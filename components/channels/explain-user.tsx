"use client";
// Explain and provision on demand (issue 13) in the console: why one directory user is in
// its state (GET /explain, read-only), and "Provision now" (POST /provision-on-demand,
// operators) with its steps. Shown on a user's detail page and, for any directory user
// by name, DN or GUID, from the search box on the channel's Users tab.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState, type FormEvent, type ReactNode } from "react";
import type { TUserExplanation } from "@/lib/channels/explain-user";
import type { TOnDemandResult } from "@/lib/channels/provision-on-demand";
import { api, type Json } from "@/components/console/api";
import { useViewer } from "@/components/console/viewer-context";
import { Badge, Banner, Button, Card, SkeletonRows } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";

type TExplanation = Json<TUserExplanation>;
type TResult = Json<TOnDemandResult>;
type TBy = "dn" | "name" | "guid";

function queryString(user: string, by?: TBy): string {
  return `user=${encodeURIComponent(user)}${by ? `&by=${by}` : ""}`;
}

function show(v: unknown): string {
  return v === null || v === undefined ? "—" : typeof v === "string" ? v : JSON.stringify(v);
}

/** "Provision now" for one user, and the steps it took. */
export function ProvisionNow({ channelId, user, by, label = "Provision now" }: { channelId: number; user: string; by?: TBy; label?: string }) {
  const qc = useQueryClient();
  const m = useMutation({
    mutationFn: () => api<TResult>(`/channels/${channelId}/provision-on-demand`, { method: "POST", body: { user, ...(by ? { by } : {}) } }),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ["record", channelId] });
      void qc.invalidateQueries({ queryKey: ["explain", channelId] });
    },
  });
  return (
    <div className="stack" style={{ gap: 10 }}>
      <div>
        <Button variant="primary" size="sm" loading={m.isPending} onClick={() => m.mutate()} data-testid="provision-now">
          {label}
        </Button>
      </div>
      {m.isError && (
        <Banner tone="red" title="Not provisioned">
          {(m.error as Error).message}
        </Banner>
      )}
      {m.data && <OnDemandSteps result={m.data} />}
    </div>
  );
}

export function OnDemandSteps({ result }: { result: TResult }) {
  return (
    <div data-testid="on-demand-steps">
      <ol className="od-steps">
        {result.steps.map((s, i) => (
          <li key={i} className={s.ok ? "ok" : "fail"} data-step={s.step}>
            <span className="od-step-name">
              <Badge tone={s.ok ? "green" : "red"}>{s.step}</Badge>
            </span>
            <span className="od-step-says">{s.says}</span>
          </li>
        ))}
      </ol>
      <p className="small muted" style={{ margin: "8px 0 0" }} data-testid="on-demand-outcome">
        {result.ok ? (result.action === "NONE" ? "Done: nothing sent." : `Done: ${result.action} acknowledged by the target.`) : result.action === "NONE" ? "Not done: nothing sent." : `Not done: ${result.action} refused.`}
        {result.waitedMs >= 1000 && ` Waited ${Math.round(result.waitedMs / 1000)} s for a running cycle.`}
      </p>
    </div>
  );
}

/** What a user's and a group's explanation have in common. */
type TCommon = Pick<TExplanation, "summary" | "hold" | "log"> & {
  found: { dn: string; by: string } | null;
  checks: Array<{ rule: string; ok: boolean; says: string }>;
  decision: { action: string; says: string };
  record: Pick<NonNullable<TExplanation["record"]>, "id" | "sourceState" | "targetState" | "dirty" | "pendingAction" | "lastError" | "nextAttemptAt"> | null;
};

/**
 * The card an explanation is shown in, for a user or a group: read from the directory
 * when shown ("Read again" reads it anew), with what both have in common — summary, DN,
 * scope rules, decision, hold, record, last requests — around `children`.
 */
export function ExplainCard<T extends TCommon>({
  what,
  url,
  queryKey,
  children,
  footer,
}: {
  what: "user" | "group";
  url: string;
  queryKey: unknown[];
  children: (ex: T) => ReactNode;
  footer?: (ex: T) => ReactNode;
}) {
  const q = useQuery({ queryKey, queryFn: () => api<T>(url), staleTime: 0 });
  const refresh = (
    <Button size="sm" variant="ghost" loading={q.isFetching} onClick={() => void q.refetch()} data-testid="explain-refresh">
      Read again
    </Button>
  );
  if (q.isError) {
    return (
      <Card title="Explain" actions={refresh}>
        <Banner tone="red" title={`Could not explain this ${what}`}>
          {q.error.message}
        </Banner>
      </Card>
    );
  }
  const ex = q.data;
  if (!ex) {
    return (
      <Card title="Explain" hint="Reading the directory now…" flush>
        <SkeletonRows rows={5} cols={2} />
      </Card>
    );
  }
  const noun = what === "user" ? "Deprovisioning" : "Deletion";
  return (
    <Card title="Explain" hint="Read from the directory just now; nothing is written" actions={refresh}>
      <div className="stack" data-testid="explain-panel">
        <p style={{ margin: 0, fontWeight: 600 }} data-testid="explain-summary">
          {ex.summary}
        </p>
        {ex.found && (
          <p className="small muted break" style={{ margin: 0 }}>
            <code>{ex.found.dn}</code> (found by {ex.found.by})
          </p>
        )}
        {ex.checks.length > 0 && (
          <ul className="od-checks" aria-label="Scope rules">
            {ex.checks.map((c) => (
              <li key={c.rule} data-rule={c.rule} data-ok={c.ok ? "yes" : "no"}>
                <Badge tone={c.ok ? "green" : c.rule === "disabled" ? "amber" : "red"}>{c.ok ? "yes" : "no"}</Badge>
                <span className="od-check-rule">{c.rule}</span>
                <span className="break">{c.says}</span>
              </li>
            ))}
          </ul>
        )}
        {children(ex)}
        <p style={{ margin: 0 }} data-testid="explain-decision">
          <Badge tone={ex.decision.action === "NONE" ? "gray" : "violet"}>{ex.decision.action}</Badge> {ex.decision.says}
        </p>
        {ex.hold && (
          <Banner tone="amber" title={ex.hold.status === "REJECTED" ? `${noun} rejected by an administrator (hold #${ex.hold.id})` : `${noun} held for approval (hold #${ex.hold.id})`}>
            {ex.hold.reason}
          </Banner>
        )}
        {ex.record ? (
          <p className="small" style={{ margin: 0 }} data-testid="explain-record">
            Store: record {ex.record.id}, {ex.record.sourceState.toLowerCase().replace("_", " ")} in the directory, {ex.record.targetState.toLowerCase()} at the target
            {ex.record.dirty ? `, dirty (${ex.record.pendingAction})` : ", clean"}
            {ex.record.lastError && <>, last error: {ex.record.lastError}</>}
            {ex.record.nextAttemptAt && (
              <>
                , next try <Time value={ex.record.nextAttemptAt} />
              </>
            )}
            .
          </p>
        ) : (
          <p className="small muted" style={{ margin: 0 }} data-testid="explain-record">
            Not in the store yet.
          </p>
        )}
        {ex.log.length > 0 && (
          <div>
            <div className="small muted">Last requests for this {what}</div>
            <ul className="od-log">
              {ex.log.map((e) => (
                <li key={e.id} className="small">
                  <Time value={e.at} /> <code>{e.action}</code> {e.method} <span className="break">{e.path}</span> <Badge tone={e.status >= 200 && e.status < 300 ? "green" : "red"}>{String(e.status || "—")}</Badge>{" "}
                  {e.cycleId ? `cycle ${e.cycleId}` : "on demand"}
                </li>
              ))}
            </ul>
          </div>
        )}
        {footer?.(ex)}
      </div>
    </Card>
  );
}

/** Why a directory user is in its state; read from the directory when shown. */
export function ExplainPanel({ channelId, user, by, withProvision = true }: { channelId: number; user: string; by?: TBy; withProvision?: boolean }) {
  const viewer = useViewer();
  return (
    <ExplainCard<TExplanation>
      what="user"
      url={`/channels/${channelId}/explain?${queryString(user, by)}`}
      queryKey={["explain", channelId, user, by ?? ""]}
      footer={(ex) => withProvision && viewer.can("operator") && ex.found && <ProvisionNow channelId={channelId} user={ex.found.dn} by="dn" />}
    >
      {(ex) => (
        <>
          {ex.mapped?.error && (
            <Banner tone="amber" title="A mapping value cannot be computed for this user">
              {ex.mapped.error}: the user stays dirty with this error and nothing is sent for them.
            </Banner>
          )}
          {ex.memberPath && ex.memberPath.length > 1 && (
            <p className="small" style={{ margin: 0 }} data-testid="explain-path">
              Membership path: {ex.memberPath.map((dn, i) => (
                <span key={dn}>
                  {i > 0 && " → "}
                  <code className="break">{dn}</code>
                </span>
              ))}
            </p>
          )}
          {ex.mapped && (
            <table className="table fixed attr-table" aria-label="Mapped values">
              <colgroup>
                <col className="attr-name-col" />
                <col />
              </colgroup>
              <thead>
                <tr>
                  <th>SCIM attribute</th>
                  <th>From the directory now</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(ex.mapped.values).map(([k, v]) => {
                  const c = ex.mapped!.changed.find((x) => x.attribute === k);
                  return (
                    <tr key={k}>
                      <td className="mono small attr-name">{k}</td>
                      <td className="attr-value">
                        {show(v)}{" "}
                        {c && (
                          <span className="small muted">
                            <Badge tone="violet">changed</Badge> target has {show(c.acknowledged)}
                          </span>
                        )}
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          )}
        </>
      )}
    </ExplainCard>
  );
}

/** Explain any directory user by name, DN or GUID (the channel's Users tab). */
export function ExplainSearch({ channelId }: { channelId: number }) {
  const [input, setInput] = useState("");
  const [user, setUser] = useState<string | null>(null);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const v = input.trim();
    if (v) setUser(v);
  };
  return (
    <div className="stack">
      <Card title="Explain a directory user" hint="Any user, stored or not, in scope or not: why it is in its state">
      <form className="row-wrap" style={{ gap: 8 }} onSubmit={submit} aria-label="Explain a directory user">
        <input
          className="input"
          style={{ flex: "1 1 260px", minWidth: 0 }}
          placeholder="Explain a directory user: user name, DN or GUID"
          aria-label="Directory user to explain"
          value={input}
          onChange={(e) => setInput(e.target.value)}
          data-testid="explain-input"
        />
        <Button type="submit" size="sm" data-testid="explain-submit">
          Explain
        </Button>
      </form>
      </Card>
      {user && <ExplainPanel key={user} channelId={channelId} user={user} />}
    </div>
  );
}
