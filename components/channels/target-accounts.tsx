"use client";
// The channel's target accounts (issue 15): the users and groups at the target that no
// directory object is linked to, as the last inventory found them — created by hand or by
// another tool. Ferry never disables or deletes them. Operators take the inventory again
// and ignore an account (hide it here); admins adopt a user for a directory user, whose
// next push then updates that account instead of creating another.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TUnmanagedList } from "@/lib/channels/list-unmanaged";
import type { TUnmanagedRow } from "@/lib/records/target-inventory";
import { api, type Json } from "@/components/console/api";
import { useViewer } from "@/components/console/viewer-context";
import { Badge, Banner, Button, Card, EmptyState, fmtNumber, SkeletonRows } from "@/components/ui/primitives";
import { Select } from "@/components/channels/channel-form/fields";
import { Time } from "@/components/ui/time";

type TList = Json<TUnmanagedList>;
type TRow = Json<TUnmanagedRow>;

function AdoptForm({ channelId, row, onDone }: { channelId: number; row: TRow; onDone: () => void }) {
  const [user, setUser] = useState("");
  const adopt = useMutation({
    mutationFn: (u: string | null) => api(`/channels/${channelId}/inventory/adopt`, { method: "POST", body: { scimId: row.scimId, user: u } }),
    onSuccess: onDone,
  });
  if (row.adoptedFor) {
    return (
      <div className="row-wrap">
        <Badge tone="blue">adopted for {row.adoptedFor}</Badge>
        <Button onClick={() => adopt.mutate(null)} loading={adopt.isPending}>
          Undo
        </Button>
      </div>
    );
  }
  return (
    <form
      className="row-wrap"
      onSubmit={(e) => {
        e.preventDefault();
        if (user.trim()) adopt.mutate(user.trim());
      }}
    >
      <input className="input" style={{ maxWidth: 220 }} aria-label={`Directory user for ${row.name}`} placeholder="user name, DN or GUID" value={user} onChange={(e) => setUser(e.target.value)} />
      <Button type="submit" loading={adopt.isPending} disabled={!user.trim()}>
        Adopt
      </Button>
      {adopt.isError && <span className="err small">{adopt.error.message}</span>}
    </form>
  );
}

export function TargetAccounts({ channelId }: { channelId: number }) {
  const viewer = useViewer();
  const qc = useQueryClient();
  const [kind, setKind] = useState<"user" | "group">("user");
  const [ignored, setIgnored] = useState(false);
  const key = ["unmanaged", channelId, kind, ignored];
  const q = useQuery({ queryKey: key, queryFn: () => api<TList>(`/channels/${channelId}/inventory`, { query: { kind, ignored: ignored ? "1" : undefined, limit: 200 } }) });
  const refresh = () => void qc.invalidateQueries({ queryKey: ["unmanaged", channelId] });
  const take = useMutation({ mutationFn: () => api<{ users: number; groups: number; requests: number }>(`/channels/${channelId}/inventory`, { method: "POST" }), onSuccess: refresh });
  const ignore = useMutation({
    mutationFn: (r: { scimId: string; ignore: boolean }) => api(`/channels/${channelId}/inventory/ignore`, { method: "POST", body: { kind, ...r } }),
    onSuccess: refresh,
  });
  const d = q.data;

  return (
    <div className="stack" data-testid="target-accounts">
      <Banner tone="blue" title="Accounts at the target that no directory object is linked to">
        Created by hand or by another tool. Ferry never disables or deletes them; adopt one to link it to a directory user, or ignore it.
      </Banner>
      <Card
        title={kind === "user" ? "Unmanaged users" : "Unmanaged groups"}
        hint={d?.takenAt ? <>Inventory of <Time value={d.takenAt} /></> : "No inventory yet"}
        actions={
          <div className="row-wrap">
            <Select
              label="Kind"
              style={{ width: "auto" }}
              value={kind}
              options={[
                ["user", "Users"],
                ["group", "Groups"],
              ]}
              onChange={setKind}
            />
            <label className="row small">
              <input type="checkbox" checked={ignored} onChange={(e) => setIgnored(e.target.checked)} /> Show ignored
            </label>
            {viewer.can("operator") && (
              <Button onClick={() => take.mutate()} loading={take.isPending}>
                Take inventory now
              </Button>
            )}
          </div>
        }
      >
        {take.isError && <Banner tone="red">{take.error.message}</Banner>}
        {take.data && (
          <Banner tone="green">
            Listed {fmtNumber(take.data.users)} users and {fmtNumber(take.data.groups)} groups in {fmtNumber(take.data.requests)} requests.
          </Banner>
        )}
        {ignore.isError && <Banner tone="red">{ignore.error.message}</Banner>}
        {q.isPending ? (
          <SkeletonRows rows={4} cols={4} />
        ) : q.isError ? (
          <Banner tone="red">{q.error.message}</Banner>
        ) : d && d.rows.length === 0 ? (
          <EmptyState title={d.takenAt ? `No unmanaged ${kind}s` : "No inventory yet"}>
            {d.takenAt ? `Every ${kind} at the target is linked to a directory object${ignored ? "" : " or ignored"}.` : "A first load takes one; or take it now."}
          </EmptyState>
        ) : d ? (
          <div className="table-wrap">
            <table className="table" aria-label={`Unmanaged ${kind}s`}>
              <thead>
                <tr>
                  <th>{kind === "user" ? "userName" : "Group"}</th>
                  {kind === "user" && <th>E-mail</th>}
                  {kind === "user" && <th>Active</th>}
                  <th>SCIM id</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {d.rows.map((r) => (
                  <tr key={r.scimId} data-testid="unmanaged-row">
                    <td>
                      <span className="cell-title">{r.name}</span>
                      {r.ignored && <Badge>ignored by {r.ignoredBy}</Badge>}
                      {r.externalId && <div className="cell-sub mono truncate">externalId {r.externalId}</div>}
                    </td>
                    {kind === "user" && <td className="small">{r.emails.join(", ") || "—"}</td>}
                    {kind === "user" && <td>{r.active === null ? "—" : r.active ? <Badge tone="green">active</Badge> : <Badge>inactive</Badge>}</td>}
                    <td style={{ maxWidth: 170 }}>
                      <div className="mono small truncate" title={r.scimId}>
                        {r.scimId}
                      </div>
                    </td>
                    <td>
                      <div className="row-wrap">
                        {kind === "user" && viewer.can("admin") && <AdoptForm channelId={channelId} row={r} onDone={refresh} />}
                        {viewer.can("operator") && (
                          <Button onClick={() => ignore.mutate({ scimId: r.scimId, ignore: !r.ignored })} loading={ignore.isPending && ignore.variables?.scimId === r.scimId}>
                            {r.ignored ? "Show again" : "Ignore"}
                          </Button>
                        )}
                      </div>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {d.total > d.rows.length && <div className="muted small">The first {d.rows.length} of {fmtNumber(d.total)}.</div>}
          </div>
        ) : null}
      </Card>
    </div>
  );
}
