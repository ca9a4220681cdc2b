"use client";
// Deprovisioning the guard held (lib/sync/deprovision.ts), where the admin looks first:
// why, how many, the first people it covers and a link to all of them, and — for an
// admin — an approval or a rejection that asks for the number they reviewed. A rejected
// hold stays in view while it keeps people at the target, and may be approved after all.
// The server checks the role and the number again; the buttons are a courtesy, not the
// control.
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
/** what a hold would do to its records, in a sentence */
const removal = (h: THold) => (h.kind === "users" ? "deprovisioning" : "deletion");
const noun = (h: THold, n: number) => `${fmtNumber(n)} ${h.kind === "users" ? (n === 1 ? "user" : "users") : n === 1 ? "group" : "groups"}`;

type TDecision = { hold: THold; verb: "approve" | "reject" };

export function HeldDeprovisioning({ channelId, holds }: { channelId: number; holds: THold[] }) {
  const viewer = useViewer();
  const [deciding, setDeciding] = useState<TDecision | null>(null);
  if (holds.length === 0) return null;
  const admin = viewer.can("admin");
  return (
    <>
      {holds.map((h) => {
        const list = `/channels/${channelId}/${h.kind}?state=held`;
        const what = h.kind === "users" ? "Deprovisioning" : "Group deletion";
        const sample = h.sample.length > 0 && (
          <div className="small" style={{ marginTop: 6 }}>
            {h.sample.map((r) => r.name ?? r.dn).join(", ")}
            {h.count > h.sample.length ? ` and ${fmtNumber(h.count - h.sample.length)} more` : ""} · <Link href={list}>see all {noun(h, h.count)}</Link>
          </div>
        );
        if (h.status === "APPROVED") {
          return (
            <Banner key={h.id} tone="blue" title={`${what} of ${noun(h, h.count)} approved`}>
              Approved by <strong>{h.approvedBy}</strong> <Time value={h.approvedAt} />: the next cycle {h.kind === "users" ? "deprovisions" : "deletes"} them.
            </Banner>
          );
        }
        if (h.status === "REJECTED") {
          return (
            <Banner
              key={h.id}
              tone="amber"
              title={`${what} of ${noun(h, h.count)} rejected`}
              action={
                admin ? (
                  <Button variant="default" size="sm" data-testid={`approve-hold-${h.id}`} onClick={() => setDeciding({ hold: h, verb: "approve" })}>
                    Approve after all…
                  </Button>
                ) : undefined
              }
            >
              <div data-testid={`hold-${h.id}`}>
                Rejected by <strong>{h.rejectedBy}</strong> <Time value={h.rejectedAt} />
                {h.rejectReason ? <> ({h.rejectReason})</> : null}. They stay at the target as they are although the directory no longer has them in scope; each leaves this
                hold when it comes back in the directory.
              </div>
              {sample}
            </Banner>
          );
        }
        return (
          <Banner
            key={h.id}
            tone="red"
            title={`${what} of ${noun(h, h.count)} held for approval`}
            action={
              admin ? (
                <span className="row-wrap">
                  <Button variant="default" size="sm" data-testid={`reject-hold-${h.id}`} onClick={() => setDeciding({ hold: h, verb: "reject" })}>
                    Reject…
                  </Button>
                  <Button variant="danger-outline" size="sm" data-testid={`approve-hold-${h.id}`} onClick={() => setDeciding({ hold: h, verb: "approve" })}>
                    Review and approve…
                  </Button>
                </span>
              ) : undefined
            }
          >
            <div data-testid={`hold-${h.id}`}>
              {sentence(h.reason)}. Nothing was {h.kind === "users" ? "disabled or deleted" : "deleted"}; held since <Time value={h.createdAt} />, checked again every cycle.
              {h.rule === "empty-scope" ? " An empty scope is never released without an approval." : " It goes by itself if the directory changes back or the channel's limit is raised."}
            </div>
            {sample}
          </Banner>
        );
      })}
      <DecideDialog channelId={channelId} decision={deciding} onClose={() => setDeciding(null)} />
    </>
  );
}

function DecideDialog({ channelId, decision, onClose }: { channelId: number; decision: TDecision | null; onClose: () => void }) {
  const qc = useQueryClient();
  const toast = useToast();
  const [typed, setTyped] = useState("");
  const [reason, setReason] = useState("");
  const hold = decision?.hold ?? null;
  const rejecting = decision?.verb === "reject";
  const decide = useMutation({
    mutationFn: () =>
      api<{ count: number; cycleRequested?: boolean }>(`/channels/${channelId}/holds/${hold!.id}/${decision!.verb}`, {
        method: "POST",
        body: rejecting ? { count: Number(typed), ...(reason.trim() ? { reason: reason.trim() } : {}) } : { count: Number(typed) },
      }),
    onSuccess: (r) => {
      toast(
        rejecting
          ? `Rejected: ${noun(hold!, r.count)} stay at the target.`
          : `Approved: the next cycle ${hold!.kind === "users" ? "deprovisions" : "deletes"} ${noun(hold!, r.count)}${r.cycleRequested ? " (asked for now)" : ""}.`,
      );
      void qc.invalidateQueries({ queryKey: ["channel", channelId] });
      void qc.invalidateQueries({ queryKey: ["channels"] });
      close();
    },
  });
  const close = () => {
    setTyped("");
    setReason("");
    decide.reset();
    onClose();
  };
  const action = hold?.kind === "users" ? "Deprovision" : "Delete";
  const title = !hold ? "" : rejecting ? `Reject ${removal(hold)} of ${noun(hold, hold.count)}?` : `${action} ${noun(hold, hold.count)}?`;
  const label = !hold ? "" : rejecting ? `Keep ${noun(hold, hold.count)}` : `${action} ${noun(hold, hold.count)}`;
  return (
    <Dialog
      open={hold !== null}
      onClose={close}
      title={title}
      action={{ label, variant: rejecting ? "primary" : "danger", loading: decide.isPending, disabled: !hold || typed !== String(hold.count), onClick: () => decide.mutate() }}
    >
      {hold && (
        <div className="stack-sm">
          <div>{sentence(hold.reason)}.</div>
          <div className="muted small">
            {rejecting ? (
              <>
                Nobody this hold covers is {hold.kind === "users" ? "disabled or deleted" : "deleted"}: they stay at the target as they are, and later cycles leave them
                out of the guard's count, so you are not asked again. Each leaves the hold when it comes back in the directory; you can still approve the hold later.
              </>
            ) : (
              <>
                The next cycle {hold.kind === "users" ? "disables or deletes (per the channel's Remove User Action)" : "deletes at the target"} exactly the{" "}
                {noun(hold, hold.count)} this hold covers, unless they come back in scope first. Anything that leaves the scope after now is checked by the guard on its own.
              </>
            )}{" "}
            <Link href={`/channels/${channelId}/${hold.kind}?state=held`}>Review the list</Link> before you decide.
          </div>
          <div className="field" style={{ marginTop: 8 }}>
            <label htmlFor="confirm-count">
              Type the number <code className="code-inline">{hold.count}</code> to confirm
            </label>
            <input id="confirm-count" className="input" inputMode="numeric" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value.trim())} />
          </div>
          {rejecting && (
            <div className="field">
              <label htmlFor="reject-reason">Why (kept with the hold and in the audit log)</label>
              <input id="reject-reason" className="input" maxLength={500} value={reason} onChange={(e) => setReason(e.target.value)} />
            </div>
          )}
          {decide.isError && <Banner tone="red">{decide.error.message}</Banner>}
        </div>
      )}
    </Dialog>
  );
}
