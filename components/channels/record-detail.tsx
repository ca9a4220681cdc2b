"use client";
// Every internal field of one user or group (provmgr --show-user / --show-group): the
// store's fields, the transitory mapping fields waiting to be pushed, what the target
// acknowledged, the LDAP attributes read, memberships, and a link to its history.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment } from "react";
import type { TGroupRecordView, TUserRecordView } from "@/lib/channels/show-record";
import type { listDeprovisionHolds } from "@/lib/channels/list-deprovision-holds";
import { api, type Json } from "@/components/console/api";
import { DirtyBadge, SourceBadge, TargetBadge } from "@/components/console/status";
import { IconClock } from "@/components/ui/icons";
import { Badge, Banner, Button, Card, EmptyState, KeyValue, SkeletonRows } from "@/components/ui/primitives";
import { useToast } from "@/components/ui/toasts";
import { ProvisioningLog } from "./provisioning-log";
import { ExplainPanel, ProvisionNow } from "./explain-user";
import { GroupExplainPanel } from "./explain-group";
import { useViewer } from "@/components/console/viewer-context";
import { Time } from "@/components/ui/time";

type TUser = Json<TUserRecordView>;
type TGroup = Json<TGroupRecordView>;

function fmt(v: unknown): string {
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** An attribute name that may break after its dots, dashes, underscores and colons first (name.<wbr>familyName), anywhere else only if it must. */
function AttrName({ name }: { name: string }) {
  const parts = name.split(/(?<=[.\-_:])/);
  return (
    <>
      {parts.map((p, i) => (
        <Fragment key={i}>
          {i > 0 && <wbr />}
          {p}
        </Fragment>
      ))}
    </>
  );
}

function ValuesTable({ values, compare, empty }: { values: Record<string, unknown> | null; compare?: Record<string, unknown> | null; empty: string }) {
  const keys = Object.keys(values ?? {}).sort();
  if (!values || keys.length === 0) return <p className="muted" style={{ margin: 0, padding: "12px 18px" }}>{empty}</p>;
  return (
    <table className="table fixed attr-table">
      <colgroup>
        <col className="attr-name-col" />
        <col />
      </colgroup>
      <thead>
        <tr>
          <th>SCIM attribute</th>
          <th>Value</th>
        </tr>
      </thead>
      <tbody>
        {keys.map((k) => {
          const changed = compare !== undefined && fmt(compare?.[k]) !== fmt(values[k]);
          return (
            <tr key={k}>
              <td className="mono small attr-name">
                <AttrName name={k} />
              </td>
              <td className="attr-value">
                {fmt(values[k])} {changed && <Badge tone="violet">changed</Badge>}
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function RetryNow({ channelId, kind, recordId }: { channelId: number; kind: "user" | "group"; recordId: string }) {
  const qc = useQueryClient();
  const toast = useToast();
  const m = useMutation({
    mutationFn: () => api<{ cycleRequested: boolean }>(`/channels/${channelId}/${kind}s/${recordId}/retry`, { method: "POST", body: {} }),
    onSuccess: (r) => {
      toast(r.cycleRequested ? "Retrying now: a cycle was asked for." : "It will be tried by the next cycle.");
      void qc.invalidateQueries({ queryKey: ["record", channelId, kind, recordId] });
    },
    onError: (e) => toast((e as Error).message, "error"),
  });
  return (
    <Button size="sm" loading={m.isPending} onClick={() => m.mutate()} data-testid="retry-now">
      Retry now
    </Button>
  );
}

export function RecordDetail({ channelId, kind, recordId }: { channelId: number; kind: "user" | "group"; recordId: string }) {
  const path = kind === "user" ? "users" : "groups";
  const viewer = useViewer();
  const q = useQuery({
    queryKey: ["record", channelId, kind, recordId],
    queryFn: () => api<TUser | TGroup>(`/channels/${channelId}/${path}/${recordId}`),
    refetchInterval: 5_000,
  });
  if (q.isError) return <Banner tone="red" title={`This ${kind} could not be loaded`}>{q.error.message}</Banner>;
  const r = q.data;
  if (!r) return <Card flush><SkeletonRows rows={8} cols={2} /></Card>;
  const base = `/channels/${channelId}/${path}`;

  return (
    <div className="stack">
      <div className="row-wrap" style={{ gap: 12 }}>
        <div style={{ minWidth: 0 }}>
          <div className="crumbs">
            <Link href={base}>{kind === "user" ? "Users" : "Groups"}</Link>
            <span className="sep">/</span>record {r.id}
          </div>
          <h2 style={{ fontSize: 19, fontWeight: 650 }} data-testid="record-title">
            {r.providerName ?? <span className="muted">(no provider name yet)</span>}
          </h2>
          <div className="row-wrap" style={{ marginTop: 6, gap: 6 }}>
            <TargetBadge state={r.targetState} />
            <SourceBadge state={r.sourceState} />
            <DirtyBadge dirty={r.dirty} action={r.pendingAction} error={r.lastError} />
          </div>
        </div>
        <span className="spacer" />
        <Link className="btn" href={`${base}/${r.id}/history`}>
          <IconClock /> History
        </Link>
      </div>

      {r.holdId && <RecordHold channelId={r.channelId} holdId={r.holdId} kind={kind} />}

      {r.lastError && (
        <Banner
          tone="red"
          title={`The service provider refused the last push (attempt ${r.attempts})`}
          action={r.dirty && viewer.can("operator") ? <RetryNow channelId={channelId} kind={kind} recordId={recordId} /> : undefined}
        >
          {r.lastError}
          {r.nextAttemptAt && Date.parse(r.nextAttemptAt) > Date.now() && (
            <div style={{ marginTop: 4 }} data-testid="next-attempt">
              Tried again <Time value={r.nextAttemptAt} /> (it waits longer after each refusal), or now with Retry now.
            </div>
          )}
        </Banner>
      )}

      {kind === "user" && (
        <>
          {viewer.can("operator") && (
            <Card title="Provision on demand" hint="Read this user from the directory now, decide, and send: without waiting for the next cycle">
              <ProvisionNow channelId={channelId} user={r.guid} by="guid" />
            </Card>
          )}
          <ExplainPanel channelId={channelId} user={r.guid} by="guid" withProvision={false} />
        </>
      )}
      {kind === "group" && <GroupExplainPanel channelId={channelId} guid={r.guid} />}

      <div className="grid-2">
        <Card title="Internal fields" hint="As stored for this channel">
          <KeyValue
            items={[
              ["Store id", <code key="i">{r.id}</code>],
              ["LDAP GUID", <code key="g" className="break">{r.guid}</code>],
              ["DN", <code key="d" className="break">{r.dn}</code>],
              [kind === "user" ? "Provider name (userName)" : "Provider name (displayName)", r.providerName],
              ["SCIM id", r.scimId ? <code key="s" className="break" data-testid="scim-id">{r.scimId}</code> : <span className="muted">not at the target yet</span>],
              ["At the target", <TargetBadge key="t" state={r.targetState} />],
              ["In the directory", <SourceBadge key="so" state={r.sourceState} />],
              ["Dirty", r.dirty ? <span key="di">yes, pending <code>{r.pendingAction}</code></span> : "no"],
              ["Values hash", r.valuesHash ? <code key="h">{r.valuesHash}</code> : <span className="muted">none (next change is pushed whatever its values)</span>],
              ["Pending hash", r.pendingHash ? <code key="ph">{r.pendingHash}</code> : null],
              ["LDAP timestamp", r.ldapTimestamp ? <code key="lt">{r.ldapTimestamp}</code> : null],
              ["Attempts", String(r.attempts)],
              ["Last attempt", <Time key="la" value={r.lastAttemptAt} />],
              ["Last synced", <Time key="ls" value={r.lastSyncedAt} />],
              ["First seen", <Time key="c" value={r.createdAt} />],
              ["Updated", <Time key="u" value={r.updatedAt} />],
              ...(r.kind === "group" ? ([["Resync members", r.resyncMembers ? "yes" : "no"]] as Array<[string, string]>) : []),
            ]}
          />
        </Card>
        <div className="stack">
          <Card title="Transitory mapping fields" hint="Values waiting to be pushed" flush>
            <ValuesTable values={r.pendingValues} compare={r.pushedValues} empty="Nothing is waiting to be pushed." />
          </Card>
          <Card title="Acknowledged by the target" hint="What the service provider last accepted" flush>
            <ValuesTable values={r.pushedValues} empty="The target has not acknowledged any values yet." />
          </Card>
        </div>
      </div>

      {r.kind === "user" ? (
        <Card title="Groups" hint="Memberships the target acknowledged" flush>
          {r.groups.length === 0 ? (
            <p className="muted" style={{ margin: 0, padding: "12px 18px" }}>No acknowledged group membership.</p>
          ) : (
            <table className="table">
              <tbody>
                {r.groups.map((g) => (
                  <tr key={g.id}>
                    <td>
                      <Link href={`/channels/${channelId}/groups/${g.id}`}>{g.providerName ?? g.dn}</Link>
                      <div className="cell-sub">{g.dn}</div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </Card>
      ) : (
        <div className="grid-2">
          <Card title="Members at the target" hint={`${r.members.length} acknowledged`} flush>
            {r.members.length === 0 ? (
              <p className="muted" style={{ margin: 0, padding: "12px 18px" }}>No acknowledged member.</p>
            ) : (
              <table className="table">
                <tbody>
                  {r.members.slice(0, 200).map((m) => (
                    <tr key={m.id}>
                      <td>
                        <Link href={`/channels/${channelId}/users/${m.id}`}>{m.providerName ?? m.dn}</Link>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
          <Card title="Members in the directory" hint={`${r.memberDns.length} DNs read`} flush>
            {r.memberDns.length === 0 ? (
              <p className="muted" style={{ margin: 0, padding: "12px 18px" }}>The group has no member in the directory.</p>
            ) : (
              <table className="table">
                <tbody>
                  {r.memberDns.slice(0, 200).map((dn) => (
                    <tr key={dn}>
                      <td className="mono small break">{dn}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
          </Card>
        </div>
      )}

      <Card title="LDAP attributes" hint="Every attribute retrieved on the last read (credentials masked)" flush>
        {!r.ldapAttributes || Object.keys(r.ldapAttributes).length === 0 ? (
          <EmptyState title="No attributes stored">The next read of this {kind} stores them.</EmptyState>
        ) : (
          <table className="table fixed attr-table" aria-label="LDAP attributes">
            <colgroup>
              <col className="attr-name-col" />
              <col />
            </colgroup>
            <thead>
              <tr>
                <th>Attribute</th>
                <th>Values</th>
              </tr>
            </thead>
            <tbody>
              {Object.entries(r.ldapAttributes)
                .sort(([a], [b]) => a.localeCompare(b))
                .map(([name, values]) => (
                  <tr key={name}>
                    <td className="mono small attr-name">
                      <AttrName name={name} />
                    </td>
                    <td className="attr-value small">
                      {values.length > 20 ? `${values.slice(0, 20).join(" · ")} … (${values.length} values)` : values.join(" · ")}
                    </td>
                  </tr>
                ))}
            </tbody>
          </table>
        )}
      </Card>
      <ProvisioningLog channelId={channelId} record={{ kind, id: recordId }} compact />
    </div>
  );
}

type TDeprovisionHolds = Awaited<ReturnType<typeof listDeprovisionHolds>>;

/** The hold covering a record: held for approval, or kept at the target by an administrator's rejection. */
function RecordHold({ channelId, holdId, kind }: { channelId: number; holdId: string; kind: "user" | "group" }) {
  const holds = useQuery({ queryKey: ["channel", channelId, "holds"], queryFn: () => api<Json<TDeprovisionHolds>>(`/channels/${channelId}/holds`) });
  const hold = holds.data?.open.find((h) => h.id === holdId);
  const what = kind === "user" ? "Deprovisioning" : "Deletion";
  if (hold?.status === "REJECTED") {
    return (
      <Banner tone="amber" title={`${what} rejected (hold #${holdId})`}>
        The directory says this {kind} should be {kind === "user" ? "deprovisioned" : "deleted"}, but <strong>{hold.rejectedBy}</strong> rejected that <Time value={hold.rejectedAt} />
        {hold.rejectReason ? <> ({hold.rejectReason})</> : null}: it stays at the target until it comes back in the directory or the hold is approved.{" "}
        <Link href={`/channels/${channelId}`}>See the hold on the channel overview</Link>.
      </Banner>
    );
  }
  return (
    <Banner tone="amber" title={`${what} held for approval (hold #${holdId})`}>
      The directory says this {kind} should be {kind === "user" ? "deprovisioned" : "deleted"}, but the guard held it with others: too many at once, or an empty scope.
      Nothing was sent. <Link href={`/channels/${channelId}`}>See the hold on the channel overview</Link>.
    </Banner>
  );
}
