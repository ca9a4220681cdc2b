"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TApiTokenView } from "@/lib/api-tokens/list-api-tokens";
import { ROLE_DESCRIPTIONS, ROLES, type TRole } from "@/lib/auth/roles";
import { api, type Json } from "@/components/console/api";
import { RoleBadge } from "@/components/console/status";
import { Dialog } from "@/components/ui/dialog";
import { IconKey, IconPlus } from "@/components/ui/icons";
import { Badge, Banner, Button, Card, EmptyState, Field, PageHead, SkeletonRows } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { useToast } from "@/components/ui/toasts";

type TToken = Json<TApiTokenView>;

export function ApiTokens() {
  const qc = useQueryClient();
  const toast = useToast();
  const q = useQuery({ queryKey: ["api-tokens"], queryFn: () => api<{ tokens: TToken[] }>("/api-tokens") });
  const [creating, setCreating] = useState(false);
  const [form, setForm] = useState({ name: "", role: "operator" as TRole, expiresInDays: "90" });
  const [created, setCreated] = useState<{ token: string; view: TToken } | null>(null);
  const [revoking, setRevoking] = useState<TToken | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ["api-tokens"] });
  const create = useMutation({
    mutationFn: () =>
      api<{ token: string; view: TToken }>("/api-tokens", {
        method: "POST",
        body: { name: form.name, role: form.role, expiresInDays: form.expiresInDays ? Number(form.expiresInDays) : null },
      }),
    onSuccess: (r) => {
      setCreating(false);
      setCreated(r);
      setForm({ name: "", role: "operator", expiresInDays: "90" });
      refresh();
    },
  });
  const revoke = useMutation({
    mutationFn: () => api(`/api-tokens/${revoking!.id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast(`Token "${revoking?.name}" revoked: it stops working at once.`);
      setRevoking(null);
      refresh();
    },
  });
  const tokens = q.data?.tokens ?? [];
  return (
    <>
      <PageHead
        title="API tokens"
        sub={
          <>
            For scripts and automation against <code className="code-inline">/api/v1</code>: send <code className="code-inline">Authorization: Bearer fry_…</code>.
          </>
        }
        actions={
          <Button variant="primary" onClick={() => setCreating(true)}>
            <IconPlus /> Create token
          </Button>
        }
      />
      {created && (
        <div style={{ marginBottom: 16 }}>
          <Banner tone="green" title={`Token "${created.view.name}" created: copy it now, it is not shown again`} action={<Button size="sm" onClick={() => setCreated(null)}>Done</Button>}>
            <div className="token-box" style={{ marginTop: 8 }}>
              <code data-testid="new-token">{created.token}</code>
              <Button size="sm" onClick={() => void navigator.clipboard?.writeText(created.token).then(() => toast("Copied."))}>
                Copy
              </Button>
            </div>
          </Banner>
        </div>
      )}
      <Card flush>
        {q.isError && <div style={{ padding: 14 }}><Banner tone="red">{q.error.message}</Banner></div>}
        {q.isPending ? (
          <SkeletonRows rows={3} cols={6} />
        ) : tokens.length === 0 ? (
          <EmptyState icon={<IconKey />} title="No API token yet" action={<Button variant="primary" onClick={() => setCreating(true)}><IconPlus /> Create token</Button>}>
            A token acts with the role you give it. Only its first characters are kept in view; the token itself is shown once.
          </EmptyState>
        ) : (
          <table className="table" aria-label="API tokens">
            <thead>
              <tr>
                <th>Name</th>
                <th>Token</th>
                <th>Role</th>
                <th>Status</th>
                <th>Last used</th>
                <th>Expires</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {tokens.map((t) => (
                <tr key={t.id}>
                  <td>
                    <strong>{t.name}</strong>
                    <div className="cell-sub">by {t.createdBy} · <Time value={t.createdAt} /></div>
                  </td>
                  <td className="mono small">{t.prefix}_…</td>
                  <td>
                    <RoleBadge role={t.role} />
                  </td>
                  <td>
                    <Badge tone={t.status === "active" ? "green" : t.status === "revoked" ? "red" : "gray"} dot>
                      {t.status}
                    </Badge>
                  </td>
                  <td>
                    <Time value={t.lastUsedAt} />
                  </td>
                  <td>{t.expiresAt ? <Time value={t.expiresAt} /> : <span className="muted">never</span>}</td>
                  <td style={{ textAlign: "right" }}>
                    {t.status === "active" && (
                      <Button size="sm" variant="danger-outline" onClick={() => setRevoking(t)}>
                        Revoke
                      </Button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Dialog
        open={creating}
        onClose={() => setCreating(false)}
        tone="blue"
        title="Create an API token"
        action={{ label: "Create token", variant: "primary", loading: create.isPending, onClick: () => create.mutate() }}
      >
        <div className="stack">
          <Field label="Name" htmlFor="tk-name" hint="What uses it, e.g. nightly-reset-cron.">
            <input id="tk-name" className="input" value={form.name} onChange={(e) => setForm({ ...form, name: e.target.value })} />
          </Field>
          <div className="grid-2">
            <Field label="Role" htmlFor="tk-role" hint={ROLE_DESCRIPTIONS[form.role]}>
              <select id="tk-role" className="select" value={form.role} onChange={(e) => setForm({ ...form, role: e.target.value as TRole })}>
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </Field>
            <Field label="Expires after (days)" htmlFor="tk-exp" hint="Empty: never expires.">
              <input id="tk-exp" className="input" type="number" min={1} value={form.expiresInDays} onChange={(e) => setForm({ ...form, expiresInDays: e.target.value })} />
            </Field>
          </div>
          {create.isError && <Banner tone="red">{create.error.message}</Banner>}
        </div>
      </Dialog>
      <Dialog
        open={revoking !== null}
        onClose={() => setRevoking(null)}
        title={`Revoke "${revoking?.name}"?`}
        action={{ label: "Revoke token", variant: "danger", loading: revoke.isPending, onClick: () => revoke.mutate() }}
      >
        <p style={{ margin: 0 }}>
          Whatever uses <code className="code-inline">{revoking?.prefix}_…</code> gets 401 from its next request on. This cannot be undone.
        </p>
      </Dialog>
    </>
  );
}
