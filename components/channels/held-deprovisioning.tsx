"use client";
// Deprovisioning the guard held (lib/sync/deprovision.ts), where the admin looks first:
// why, how many, the first people it covers and a link to all of them, and — for an
// admin — an approval that asks for the number they reviewed. The server checks the
// role and the number again; the button is a courtesy, not the control.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { THoldView } from "@/lib/channels/list-deprovision-holds";
import { api, type Json } from "@/components/console/api";
import { useViewer } from "@/components/console/viewer-context";
import { Dialog } from "@/components/ui/dialog";
import { Banner, Button, fmtNumber } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { useToast } from "@/components/ui/toasts";

type THold = Json<THoldView>;

const sentence = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
const noun = (h: THold, n: number) => `${fmtNumber(n)} ${h.kind === "users" ? (n === 1 ? "user" : "users") : n === 1 ? "group" : "groups"}`;

export function HeldDeprovisioning({ channelId, holds }: { channelId: number; holds: THold[] }) {
  const viewer = useViewer();
  const [approving, setApproving] = useState<THold | null>(null);
  if (holds.length === 0) return null;
  return (
    <>
      {holds.map((h) => {
        const list = `/channels/${channelId}/${h.kind}?state=held`;
        const what = h.kind === "users" ? "Deprovisioning" : "Group deletion";
        if (h.status === "APPROVED") {
          return (
            <Banner key={h.id} tone="blue" title={`${what} of ${noun(h, h.count)} approved`}>
              Approved by <strong>{h.approvedBy}</strong> <Time value={h.approvedAt} />: the next cycle {h.kind === "users" ? "deprovisions" : "deletes"} them.
            </Banner>
          );
        }
        return (
          <Banner
            key={h.id}
            tone="red"
            title={`${what} of ${noun(h, h.count)} held for approval`}
            action={
              viewer.can("admin") ? (
                <Button variant="danger-outline" size="sm" data-testid={`approve-hold-${h.id}`} onClick={() => setApproving(h)}>
                  Review and approve…
                </Button>
              ) : undefined
            }
          >
            <div data-testid={`hold-${h.id}`}>
              {sentence(h.reason)}. Nothing was {h.kind === "users" ? "disabled or deleted" : "deleted"}; held since <Time value={h.createdAt} />, checked again every cycle.
              {h.rule === "empty-scope" ? " An empty scope is never released without an approval." : " It goes by itself if the directory changes back or the channel's limit is raised."}
            </div>
            {h.sample.length > 0 && (
              <div className="small" style={{ marginTop: 6 }}>
                {h.sample.map((r) => r.name ?? r.dn).join(", ")}
                {h.count > h.sample.length ? ` and ${fmtNumber(h.count - h.sample.length)} more` : ""} ·{" "}
                <Link href={list}>see all {noun(h, h.count)}</Link>
              </div>
            )}
          </Banner>
        );
      })}
      <ApproveDialog channelId={channelId} hold={approving} onClose={() => setApproving(null)} />
    </>
  );
}

function ApproveDialog({ channelId, hold, onClose }: { channelId: number; hold: THold | null; onClose: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [typed, setTyped] = useState("");
  const approve = useMutation({
    mutationFn: () => api<{ count: number; cycleRequested: boolean }>(`/channels/${channelId}/holds/${hold!.id}/approve`, { method: "POST", body: { count: Number(typed) } }),
    onSuccess: (r) => {
      toast(`Approved: the next cycle ${hold!.kind === "users" ? "deprovisions" : "deletes"} ${noun(hold!, r.count)}${r.cycleRequested ? " (asked for now)" : ""}.`);
      void qc.invalidateQueries({ queryKey: ["channel", channelId] });
      void qc.invalidateQueries({ queryKey: ["channels"] });
      close();
    },
  });
  const close = () => {
    setTyped("");
    approve.reset();
    onClose();
  };
  const action = hold?.kind === "users" ? "Deprovision" : "Delete";
  return (
    <Dialog
      open={hold !== null}
      onClose={close}
      title={hold ? `${action} ${noun(hold, hold.count)}?` : ""}
      action={{ label: hold ? `${action} ${noun(hold, hold.count)}` : "", variant: "danger", loading: approve.isPending, disabled: !hold || typed !== String(hold.count), onClick: () => approve.mutate() }}
    >
      {hold && (
        <div className="stack-sm">
          <div>{sentence(hold.reason)}.</div>
          <div className="muted small">
            The next cycle {hold.kind === "users" ? "disables or deletes (per the channel's Remove User Action)" : "deletes at the target"} exactly the {noun(hold, hold.count)} this hold covers,
            unless they come back in scope first. Anything that leaves the scope after now is checked by the guard on its own.{" "}
            <Link href={`/channels/${channelId}/${hold.kind}?state=held`}>Review the list</Link> before you approve.
          </div>
          <div className="field" style={{ marginTop: 8 }}>
            <label htmlFor="confirm-count">
              Type the number <code className="code-inline">{hold.count}</code> to confirm
            </label>
            <input id="confirm-count" className="input" inputMode="numeric" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value.trim())} />
          </div>
          {approve.isError && <Banner tone="red">{approve.error.message}</Banner>}
        </div>
      )}
    </Dialog>
  );
}
