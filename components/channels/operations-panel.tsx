"use client";
// Every provmgr channel operation as a button. Each opens a dialog that names the
// channel and says what will change, with counts read just now; delete-all and
// delete-all-users also ask for the channel's name. The server checks the role (and
// the typed name) again: hiding or disabling a button is a courtesy, not the control.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { CHANNEL_OPERATIONS, OPERATION_GROUPS, type TChannelOperationId } from "@/lib/channels/operations";
import type { TOperationPreview } from "@/lib/channels/preview-operation";
import { api } from "@/components/console/api";
import { useViewer } from "@/components/console/viewer-context";
import { Dialog } from "@/components/ui/dialog";
import { Banner, Button, Card, SkeletonRows } from "@/components/ui/primitives";
import { useToast } from "@/components/ui/toasts";

type TOp = (typeof CHANNEL_OPERATIONS)[number];

function summary(op: TOp, result: unknown): string {
  const r = result as Record<string, unknown> | null;
  if (r && typeof r.users === "number" && typeof r.groups === "number") return `${op.label}: ${r.users} user and ${r.groups} group record(s).`;
  if (r && typeof r.users === "number") return `${op.label}: ${r.users} user(s).`;
  return `${op.label}: done.`;
}

export function OperationDialog({ channelId, op, onClose }: { channelId: number; op: TOp | null; onClose: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [typed, setTyped] = useState("");
  const preview = useQuery({
    queryKey: ["preview", channelId, op?.id],
    queryFn: () => api<TOperationPreview>(`/channels/${channelId}/operations/${op!.id}`),
    enabled: op !== null,
    staleTime: 0,
    gcTime: 0,
  });
  const run = useMutation({
    mutationFn: () => api<{ result: unknown }>(`/channels/${channelId}/operations/${op!.id}`, { method: "POST", body: preview.data?.typedConfirmation ? { confirm: typed } : {} }),
    onSuccess: (r) => {
      toast(summary(op!, r.result));
      void qc.invalidateQueries({ queryKey: ["channel", channelId] });
      void qc.invalidateQueries({ queryKey: ["records", channelId] });
      void qc.invalidateQueries({ queryKey: ["channels"] });
      close();
    },
  });
  const close = () => {
    setTyped("");
    run.reset();
    onClose();
  };
  const p = preview.data;
  const mustType = p?.typedConfirmation ?? false;
  const ok = p && (!mustType || typed === p.channel.name);
  return (
    <Dialog
      open={op !== null}
      onClose={close}
      tone={op?.group === "resets" ? "amber" : "red"}
      title={op ? `${op.label} on "${p?.channel.name ?? "…"}"?` : ""}
      action={{ label: op?.label, variant: "danger", loading: run.isPending, disabled: !ok, onClick: () => run.mutate() }}
    >
      {op && (
        <div className="stack-sm">
          <div className="muted small">
            Channel <strong style={{ color: "var(--text)" }}>#{channelId} {p?.channel.name}</strong> · <code className="code-inline">provmgr -c {channelId} --{op.id}</code>
          </div>
          {preview.isPending ? (
            <div className="skeleton" style={{ height: 48 }} />
          ) : preview.isError ? (
            <Banner tone="red">{preview.error.message}</Banner>
          ) : (
            <>
              <div>What will change:</div>
              <ul data-testid="operation-effects">
                {p!.effects.map((e) => (
                  <li key={e}>{e}</li>
                ))}
              </ul>
            </>
          )}
          {mustType && p && (
            <div className="field" style={{ marginTop: 8 }}>
              <label htmlFor="confirm-name">
                Type the channel name <code className="code-inline">{p.channel.name}</code> to confirm
              </label>
              <input id="confirm-name" className="input" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />
            </div>
          )}
          {run.isError && <Banner tone="red">{run.error.message}</Banner>}
        </div>
      )}
    </Dialog>
  );
}

export function OperationsPanel({ channelId }: { channelId: number }) {
  const viewer = useViewer();
  const [open, setOpen] = useState<TOp | null>(null);
  const canRun = viewer.can("operator");
  return (
    <div className="stack">
      {!canRun && (
        <Banner tone="blue" title="Read only">
          You are signed in as a viewer: operations need the operator or admin role.
        </Banner>
      )}
      {(Object.keys(OPERATION_GROUPS) as Array<keyof typeof OPERATION_GROUPS>).map((g) => (
        <Card key={g} title={OPERATION_GROUPS[g].title} hint={OPERATION_GROUPS[g].hint} flush>
          <div className="op-list">
            {CHANNEL_OPERATIONS.filter((o) => o.group === g).map((o) => (
              <div className="op" key={o.id}>
                <div className="op-text">
                  <div className="op-title">{o.label}</div>
                  <div className="op-desc">{o.description}</div>
                  <code className="small muted">--{o.id}</code>
                </div>
                <Button
                  variant={g === "resets" ? "default" : "danger-outline"}
                  size="sm"
                  disabled={!canRun}
                  title={canRun ? undefined : "Needs the operator or admin role"}
                  data-operation={o.id}
                  onClick={() => setOpen(o)}
                >
                  {o.label}
                </Button>
              </div>
            ))}
          </div>
        </Card>
      ))}
      <OperationDialog channelId={channelId} op={open} onClose={() => setOpen(null)} />
    </div>
  );
}

export function OperationsSkeleton() {
  return <SkeletonRows rows={6} cols={2} />;
}

export type { TChannelOperationId };
