"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ROLE_DESCRIPTIONS, ROLES, type TRole } from "@/lib/auth/roles";
import type { TConsoleUserView } from "@/lib/console-users/view";
import { api, type Json } from "@/components/console/api";
import { RoleBadge } from "@/components/console/status";
import { useViewer } from "@/components/console/viewer-context";
import { Dialog } from "@/components/ui/dialog";
import { IconPlus } from "@/components/ui/icons";
import { Badge, Banner, Button, Card, Field, PageHead, SkeletonRows } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { useToast } from "@/components/ui/toasts";

type TUser = Json<TConsoleUserView>;

function RoleSelect({ value, onChange, id, disabled }: { value: TRole; onChange: (r: TRole) => void; id?: string; disabled?: boolean }) {
  return (
    <select id={id} className="select" style={{ width: "auto" }} value={value} disabled={disabled} onChange={(e) => onChange(e.target.value as TRole)} aria-label="Role">
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

export function ConsoleUsers() {
  const me = useViewer();
  const qc = useQueryClient();
  const toast = useToast();
  const q = useQuery({ queryKey: ["console-users"], queryFn: () => api<{ users: TUser[] }>("/console-users") });
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ username: "", displayName: "", role: "viewer" as TRole, password: "" });
  const [pwFor, setPwFor] = useState<TUser | null>(null);
  const [newPw, setNewPw] = useState("");
  const [deleting, setDeleting] = useState<TUser | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ["console-users"] });

  const create = useMutation({
    mutationFn: () => api<TUser>("/console-users", { method: "POST", body: form }),
    onSuccess: (u) => {
      toast(`${u.username} can now sign in; they choose their own password on first sign-in.`);
      setCreating(false);
      setForm({ username: "", displayName: "", role: "viewer", password: "" });
      refresh();
    },
  });
  const update = useMutation({
    mutationFn: (v: { id: number; role?: TRole; disabled?: boolean }) => api<TUser>(`/console-users/${v.id}`, { method: "PATCH", body: { role: v.role, disabled: v.disabled } }),
    onSuccess: (u) => {
      toast(`${u.username} updated.`);
      refresh();
    },
    onError: (e) => toast((e as Error).message, "error"),
  });
  const resetPw = useMutation({
    mutationFn: () => api(`/console-users/${pwFor!.id}/password`, { method: "POST", body: { password: newPw } }),
    onSuccess: () => {
      toast(`Password set for ${pwFor?.username}; their sessions have ended.`);
      setPwFor(null);
      setNewPw("");
      refresh();
    },
  });
  const del = useMutation({
    mutationFn: () => api(`/console-users/${deleting!.id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast(`${deleting?.username} deleted.`);
      setDeleting(null);
      refresh();
    },
  });

  return (
    <>
      <PageHead
        title="Console users"
        sub="Who may sign in to this console, and with which role."
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            <IconPlus /> Add user
          </Button>
        }
      />
      <div className="grid-3" style={{ marginBottom: 16 }}>
        {ROLES.map((r) => (
          <div className="stat" key={r}>
            <div className="row">
              <RoleBadge role={r} />
            </div>
            <div className="small muted" style={{ marginTop: 6 }}>
              {ROLE_DESCRIPTIONS[r]}
            </div>
          </div>
        ))}
      </div>
      <Card flush>
        {q.isError && <div style={{ padding: 14 }}><Banner tone="red">{q.error.message}</Banner></div>}
        {q.isPending ? (
          <SkeletonRows rows={3} cols={5} />
        ) : (
          <table className="table" aria-label="Console users">
            <thead>
              <tr>
                <th>User</th>
                <th>Role</th>
                <th>Status</th>
                <th>Last sign-in</th>
                <th>Created</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {q.data?.users.map((u) => {
                const self = u.username === me.username;
                return (
                  <tr key={u.id}>
                    <td>
                      <strong>{u.displayName}</strong> {self && <Badge tone="blue">you</Badge>}
                      <div className="cell-sub">{u.username}</div>
                    </td>
                    <td>
                      <RoleSelect value={u.role} disabled={self} onChange={(role) => update.mutate({ id: u.id, role })} />
                    </td>
                    <td>
                      {u.disabled ? <Badge tone="gray">disabled</Badge> : <Badge tone="green" dot>active</Badge>}{" "}
                      {u.mustChangePassword && <Badge tone="amber">must change password</Badge>}
                    </td>
                    <td>
                      <Time value={u.lastLoginAt} />
                    </td>
                    <td className="small">
                      <Time value={u.createdAt} />
                      <div className="cell-sub">by {u.createdBy ?? "—"}</div>
                    </td>
                    <td style={{ textAlign: "right" }}>
                      <div className="row" style={{ justifyContent: "flex-end" }}>
                        <Button size="sm" onClick={() => setPwFor(u)}>
                          Set password
                        </Button>
                        <Button size="sm" disabled={self} onClick={() => update.mutate({ id: u.id, disabled: !u.disabled })}>
                          {u.disabled ? "Enable" : "Disable"}
                        </Button>
                        <Button size="sm" variant="danger-outline" disabled={self} onClick={() => setDeleting(u)}>
                          Delete
                        </Button>
                      </div>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </Card>

      <Dialog
        open={creating}
        onClose={() => setCreating(false)}
        tone="blue"
        title="Add a console user"
        action={{ label: "Add user", variant: "primary", loading: create.isPending, onClick: () => create.mutate() }}
      >
        <div className="stack">
          <div className="grid-2">
            <Field label="User name" htmlFor="cu-username">
              <input id="cu-username" className="input" autoComplete="off" value={form.username} onChange={(e) => setForm({ ...form, username: e.target.value })} />
            </Field>
            <Field label="Display name" htmlFor="cu-display">
              <input id="cu-display" className="input" value={form.displayName} onChange={(e) => setForm({ ...form, displayName: e.target.value })} />
            </Field>
          </div>
          <Field label="Role" htmlFor="cu-role" hint={ROLE_DESCRIPTIONS[form.role]}>
            <RoleSelect id="cu-role" value={form.role} onChange={(role) => setForm({ ...form, role })} />
          </Field>
          <Field label="First password" htmlFor="cu-password" hint="At least 10 characters. They must change it when they first sign in.">
            <input id="cu-password" className="input" type="password" autoComplete="new-password" value={form.password} onChange={(e) => setForm({ ...form, password: e.target.value })} />
          </Field>
          {create.isError && <Banner tone="red">{create.error.message}</Banner>}
        </div>
      </Dialog>

      <Dialog
        open={pwFor !== null}
        onClose={() => setPwFor(null)}
        tone="amber"
        title={`Set a new password for ${pwFor?.username}`}
        action={{ label: "Set password", variant: "primary", loading: resetPw.isPending, onClick: () => resetPw.mutate() }}
      >
        <div className="stack">
          <p style={{ margin: 0 }}>Their sessions end now, and they must choose a new password when they next sign in.</p>
          <Field label="New password" htmlFor="cu-newpw">
            <input id="cu-newpw" className="input" type="password" autoComplete="new-password" value={newPw} onChange={(e) => setNewPw(e.target.value)} />
          </Field>
          {resetPw.isError && <Banner tone="red">{resetPw.error.message}</Banner>}
        </div>
      </Dialog>

      <Dialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title={`Delete ${deleting?.username}?`}
        action={{ label: "Delete user", variant: "danger", loading: del.isPending, onClick: () => del.mutate() }}
      >
        <p style={{ margin: 0 }}>They can no longer sign in and their sessions end. The audit log keeps what they did.</p>
        {del.isError && <Banner tone="red">{del.error.message}</Banner>}
      </Dialog>
    </>
  );
}
