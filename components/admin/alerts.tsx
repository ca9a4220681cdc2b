"use client";
// Alerts (admins): where a channel's change of health is sent — webhooks (signed JSON) and
// e-mail (SMTP) — which events and channels each takes, a test, and the latest deliveries.
// Secrets are typed in and never shown again: editing, an empty field keeps the stored one.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { ALERT_EVENT_LABELS, ALERT_EVENTS, type TAlertEvent } from "@/lib/alerts/events";
import type { TAlertDestinationView } from "@/lib/alerts/destinations";
import type { TAlertDeliveryView } from "@/lib/alerts/deliver";
import type { TChannelLive } from "@/lib/channels/list-channels-live";
import { api, type Json } from "@/components/console/api";
import { Dialog } from "@/components/ui/dialog";
import { IconAlert, IconPlus } from "@/components/ui/icons";
import { Badge, Banner, Button, Card, EmptyState, Field, PageHead, SkeletonRows, type TTone } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { useToast } from "@/components/ui/toasts";

type TDest = Json<TAlertDestinationView>;
type TDelivery = Json<TAlertDeliveryView>;

type TForm = {
  kind: "webhook" | "email";
  name: string;
  enabled: boolean;
  events: TAlertEvent[];
  channelIds: number[];
  quietMinutes: string;
  url: string;
  secret: string;
  host: string;
  port: string;
  security: "tls" | "starttls" | "none";
  user: string;
  password: string;
  from: string;
  to: string;
};

const EMPTY: TForm = {
  kind: "webhook",
  name: "",
  enabled: true,
  events: [],
  channelIds: [],
  quietMinutes: "30",
  url: "",
  secret: "",
  host: "",
  port: "587",
  security: "starttls",
  user: "",
  password: "",
  from: "",
  to: "",
};

const STATUS_TONE: Record<string, TTone> = { SENT: "green", PENDING: "blue", FAILED: "red", SUPPRESSED: "gray" };

function formOf(d: TDest): TForm {
  return {
    ...EMPTY,
    kind: d.kind,
    name: d.name,
    enabled: d.enabled,
    events: d.events,
    channelIds: d.channelIds,
    quietMinutes: String(d.quietMinutes),
    url: d.webhook?.url ?? "",
    host: d.email?.host ?? "",
    port: String(d.email?.port ?? 587),
    security: d.email?.security ?? "starttls",
    user: d.email?.user ?? "",
    from: d.email?.from ?? "",
    to: d.email?.to.join(", ") ?? "",
  };
}

function bodyOf(f: TForm): Record<string, unknown> {
  const common = { kind: f.kind, name: f.name, enabled: f.enabled, events: f.events, channelIds: f.channelIds, quietMinutes: Number(f.quietMinutes || 0) };
  if (f.kind === "webhook") return { ...common, webhook: { url: f.url, ...(f.secret ? { secret: f.secret } : {}) } };
  return {
    ...common,
    email: {
      host: f.host,
      port: Number(f.port || 0),
      security: f.security,
      ...(f.user ? { user: f.user } : {}),
      ...(f.password ? { password: f.password } : {}),
      from: f.from,
      to: f.to
        .split(/[,\s;]+/)
        .map((s) => s.trim())
        .filter(Boolean),
    },
  };
}

function randomSecret(): string {
  const b = new Uint8Array(24);
  crypto.getRandomValues(b);
  return Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
}

export function Alerts() {
  const qc = useQueryClient();
  const toast = useToast();
  const q = useQuery({ queryKey: ["alerts"], queryFn: () => api<{ destinations: TDest[]; deliveries: TDelivery[] }>("/alerts"), refetchInterval: 10_000 });
  const channels = useQuery({ queryKey: ["channels"], queryFn: () => api<{ channels: Array<Json<TChannelLive>> }>("/channels") });
  const [editing, setEditing] = useState<{ id: number | null; form: TForm } | null>(null);
  const [deleting, setDeleting] = useState<TDest | null>(null);
  const refresh = () => void qc.invalidateQueries({ queryKey: ["alerts"] });
  const save = useMutation({
    mutationFn: () =>
      editing!.id === null
        ? api("/alerts", { method: "POST", body: bodyOf(editing!.form) })
        : api(`/alerts/${editing!.id}`, { method: "PUT", body: bodyOf(editing!.form) }),
    onSuccess: () => {
      toast(editing!.id === null ? `Alert destination "${editing!.form.name}" added.` : `Alert destination "${editing!.form.name}" saved.`);
      setEditing(null);
      refresh();
    },
  });
  const test = useMutation({
    mutationFn: (d: TDest) => api<{ ok: boolean; error: string | null }>(`/alerts/${d.id}/test`, { method: "POST", body: {} }),
    onSuccess: (r, d) => {
      toast(r.ok ? `Test sent to "${d.name}": it arrived.` : `Test to "${d.name}" failed: ${r.error}`, r.ok ? undefined : "error");
      refresh();
    },
    onError: (e) => toast((e as Error).message, "error"),
  });
  const remove = useMutation({
    mutationFn: () => api(`/alerts/${deleting!.id}`, { method: "DELETE" }),
    onSuccess: () => {
      toast(`Alert destination "${deleting?.name}" deleted.`);
      setDeleting(null);
      refresh();
    },
  });
  const destinations = q.data?.destinations ?? [];
  const names = new Map(destinations.map((d) => [d.id, d.name]));
  const channelName = new Map((channels.data?.channels ?? []).map((c) => [c.id, c.name]));
  const f = editing?.form;
  const set = (patch: Partial<TForm>) => setEditing((e) => (e ? { ...e, form: { ...e.form, ...patch } } : e));
  const addButton = (
    <Button variant="primary" onClick={() => setEditing({ id: null, form: { ...EMPTY, secret: randomSecret() } })} data-testid="add-alert">
      <IconPlus /> Add destination
    </Button>
  );
  return (
    <>
      <PageHead title="Alerts" sub="Who is told when a channel starts failing, enters or leaves quarantine, is held for approval, or recovers." actions={addButton} />
      <Card flush>
        {q.isError && (
          <div style={{ padding: 14 }}>
            <Banner tone="red">{q.error.message}</Banner>
          </div>
        )}
        {q.isPending ? (
          <SkeletonRows rows={3} cols={5} />
        ) : destinations.length === 0 ? (
          <EmptyState icon={<IconAlert />} title="Nobody is told yet" action={addButton}>
            Add a webhook (JSON, signed with HMAC-SHA256) or an e-mail address. A flapping channel is reported once per quiet period.
          </EmptyState>
        ) : (
          <div className="table-scroll">
            <table className="table" aria-label="Alert destinations">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Sends to</th>
                  <th>Events</th>
                  <th>Last delivery</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {destinations.map((d) => (
                  <tr key={d.id} data-testid={`alert-row-${d.id}`}>
                    <td>
                      <strong>{d.name}</strong>{" "}
                      <Badge tone={d.enabled ? "blue" : "gray"}>{d.kind === "webhook" ? "webhook" : "e-mail"}{d.enabled ? "" : " · off"}</Badge>
                      <div className="cell-sub">
                        {d.channelIds.length === 0 ? "every channel" : d.channelIds.map((id) => channelName.get(id) ?? `#${id}`).join(", ")} · quiet {d.quietMinutes} min
                      </div>
                    </td>
                    <td className="mono small" style={{ overflowWrap: "anywhere", maxWidth: 320 }}>
                      {d.target}
                    </td>
                    <td className="small">{d.events.length === 0 ? "all" : d.events.map((e) => ALERT_EVENT_LABELS[e]).join(", ")}</td>
                    <td>
                      {d.lastDelivery ? (
                        <>
                          <Badge tone={STATUS_TONE[d.lastDelivery.status] ?? "gray"} dot>
                            {d.lastDelivery.status.toLowerCase()}
                          </Badge>
                          <div className="cell-sub">
                            {d.lastDelivery.event} · <Time value={d.lastDelivery.at} />
                          </div>
                          {d.lastDelivery.error && <div className="cell-sub err-text">{d.lastDelivery.error}</div>}
                        </>
                      ) : (
                        <span className="muted">none yet</span>
                      )}
                    </td>
                    <td style={{ textAlign: "right" }} className="nowrap">
                      <Button size="sm" loading={test.isPending && test.variables?.id === d.id} onClick={() => test.mutate(d)} data-testid={`alert-test-${d.id}`}>
                        Send a test
                      </Button>{" "}
                      <Button size="sm" onClick={() => setEditing({ id: d.id, form: formOf(d) })}>
                        Edit
                      </Button>{" "}
                      <Button size="sm" variant="danger-outline" onClick={() => setDeleting(d)}>
                        Delete
                      </Button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <div style={{ height: 16 }} />
      <Card title="Latest deliveries" hint="Sent by the worker, retried with backoff for about an hour and a half; suppressed: the same event went out within the quiet period." flush>
        {(q.data?.deliveries ?? []).length === 0 ? (
          <div style={{ padding: 16 }} className="muted">
            No alert has been sent yet.
          </div>
        ) : (
          <div className="table-scroll">
            <table className="table" aria-label="Alert deliveries">
              <thead>
                <tr>
                  <th>When</th>
                  <th>To</th>
                  <th>What</th>
                  <th>Status</th>
                </tr>
              </thead>
              <tbody>
                {(q.data?.deliveries ?? []).map((d) => (
                  <tr key={d.id}>
                    <td className="nowrap">
                      <Time value={d.createdAt} />
                    </td>
                    <td>{names.get(d.destinationId) ?? `#${d.destinationId}`}</td>
                    <td className="small" style={{ overflowWrap: "anywhere" }}>
                      {d.summary}
                    </td>
                    <td>
                      <Badge tone={STATUS_TONE[d.status] ?? "gray"} dot>
                        {d.status.toLowerCase()}
                      </Badge>
                      {d.attempts > 1 && <div className="cell-sub">{d.attempts} attempts</div>}
                      {d.lastError && <div className="cell-sub err-text">{d.lastError}</div>}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </Card>

      <Dialog
        open={editing !== null}
        onClose={() => setEditing(null)}
        tone="blue"
        title={editing?.id === null ? "Add an alert destination" : "Edit the alert destination"}
        action={{ label: "Save", variant: "primary", loading: save.isPending, onClick: () => save.mutate() }}
      >
        {f && (
          <div className="stack">
            {save.isError && <Banner tone="red">{save.error.message}</Banner>}
            <div className="grid-2">
              <Field label="Name" htmlFor="al-name">
                <input id="al-name" className="input" value={f.name} onChange={(e) => set({ name: e.target.value })} />
              </Field>
              <Field label="Kind" htmlFor="al-kind">
                <select id="al-kind" className="select" value={f.kind} disabled={editing?.id !== null} onChange={(e) => set({ kind: e.target.value as TForm["kind"] })}>
                  <option value="webhook">Webhook (JSON, signed)</option>
                  <option value="email">E-mail (SMTP)</option>
                </select>
              </Field>
            </div>
            {f.kind === "webhook" ? (
              <>
                <Field label="URL" htmlFor="al-url" hint="An http(s) address that takes a POST. Redirects are not followed.">
                  <input id="al-url" className="input" placeholder="https://hooks.example.com/ferry" value={f.url} onChange={(e) => set({ url: e.target.value })} />
                </Field>
                <Field
                  label="Signing secret"
                  htmlFor="al-secret"
                  hint={
                    editing?.id === null
                      ? "Give it to the receiver: X-Ferry-Signature is sha256=HMAC(secret, timestamp + '.' + body). Copy it now; it is not shown again."
                      : "Leave empty to keep the stored secret."
                  }
                >
                  <div className="row" style={{ gap: 8 }}>
                    <input id="al-secret" className="input mono" autoComplete="off" value={f.secret} placeholder={editing?.id === null ? "" : "•••••••• (unchanged)"} onChange={(e) => set({ secret: e.target.value })} />
                    <Button size="sm" onClick={() => set({ secret: randomSecret() })}>
                      New
                    </Button>
                  </div>
                </Field>
              </>
            ) : (
              <>
                <div className="grid-2">
                  <Field label="SMTP host" htmlFor="al-host">
                    <input id="al-host" className="input" placeholder="smtp.example.com" value={f.host} onChange={(e) => set({ host: e.target.value })} />
                  </Field>
                  <div className="grid-2">
                    <Field label="Port" htmlFor="al-port">
                      <input id="al-port" className="input" type="number" value={f.port} onChange={(e) => set({ port: e.target.value })} />
                    </Field>
                    <Field label="Security" htmlFor="al-sec">
                      <select id="al-sec" className="select" value={f.security} onChange={(e) => set({ security: e.target.value as TForm["security"] })}>
                        <option value="starttls">STARTTLS</option>
                        <option value="tls">TLS</option>
                        <option value="none">none (local relay)</option>
                      </select>
                    </Field>
                  </div>
                </div>
                <div className="grid-2">
                  <Field label="User (optional)" htmlFor="al-user">
                    <input id="al-user" className="input" autoComplete="off" value={f.user} onChange={(e) => set({ user: e.target.value })} />
                  </Field>
                  <Field label="Password" htmlFor="al-pass" hint={editing?.id === null ? undefined : "Leave empty to keep the stored one (only while the host stays the same)."}>
                    <input id="al-pass" className="input" type="password" autoComplete="new-password" value={f.password} onChange={(e) => set({ password: e.target.value })} />
                  </Field>
                </div>
                <div className="grid-2">
                  <Field label="From" htmlFor="al-from">
                    <input id="al-from" className="input" placeholder="ferry@example.com" value={f.from} onChange={(e) => set({ from: e.target.value })} />
                  </Field>
                  <Field label="To" htmlFor="al-to" hint="Addresses separated by commas.">
                    <input id="al-to" className="input" placeholder="iam-team@example.com" value={f.to} onChange={(e) => set({ to: e.target.value })} />
                  </Field>
                </div>
              </>
            )}
            <Field label="Events" hint="None ticked: every event.">
              <div className="row" style={{ flexWrap: "wrap", gap: 12 }}>
                {ALERT_EVENTS.map((ev) => (
                  <label key={ev} className="check">
                    <input
                      type="checkbox"
                      checked={f.events.includes(ev)}
                      onChange={(e) => set({ events: e.target.checked ? [...f.events, ev] : f.events.filter((x) => x !== ev) })}
                    />
                    <span>{ALERT_EVENT_LABELS[ev]}</span>
                  </label>
                ))}
              </div>
            </Field>
            <Field label="Channels" hint="None ticked: every channel, and those added later.">
              <div className="row" style={{ flexWrap: "wrap", gap: 12 }}>
                {(channels.data?.channels ?? []).map((c) => (
                  <label key={c.id} className="check">
                    <input
                      type="checkbox"
                      checked={f.channelIds.includes(c.id)}
                      onChange={(e) => set({ channelIds: e.target.checked ? [...f.channelIds, c.id] : f.channelIds.filter((x) => x !== c.id) })}
                    />
                    <span>{c.name}</span>
                  </label>
                ))}
              </div>
            </Field>
            <div className="grid-2">
              <Field label="Quiet period (minutes)" htmlFor="al-quiet" hint="The same event of the same channel is not sent again within it.">
                <input id="al-quiet" className="input" type="number" min={0} value={f.quietMinutes} onChange={(e) => set({ quietMinutes: e.target.value })} />
              </Field>
              <label className="check" style={{ alignSelf: "end" }}>
                <input type="checkbox" checked={f.enabled} onChange={(e) => set({ enabled: e.target.checked })} />
                <span>Enabled</span>
              </label>
            </div>
          </div>
        )}
      </Dialog>
      <Dialog
        open={deleting !== null}
        onClose={() => setDeleting(null)}
        title={`Delete "${deleting?.name}"?`}
        action={{ label: "Delete", variant: "danger", loading: remove.isPending, onClick: () => remove.mutate() }}
      >
        Nobody is told through it any more; its deliveries are deleted with it.
      </Dialog>
    </>
  );
}
