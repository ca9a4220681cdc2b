"use client";
// Deleting a channel (admins): a card at the foot of the Operations tab and its dialog,
// where the channel's name must be typed. The API refuses while a cycle runs
// (lib/channels/delete-channel.ts); the dialog says so before anyone tries.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api } from "@/components/console/api";
import { useViewer } from "@/components/console/viewer-context";
import { Dialog } from "@/components/ui/dialog";
import { Banner, Button, Card, fmtNumber } from "@/components/ui/primitives";
import { useToast } from "@/components/ui/toasts";
import { useChannel } from "./use-channel";

export function DeleteChannel({ channelId }: { channelId: number }) {
  const q = useChannel(channelId);
  const viewer = useViewer();
  const toast = useToast();
  const qc = useQueryClient();
  const router = useRouter();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState("");
  const c = q.data;
  const del = useMutation({
    mutationFn: () => api<{ name: string; users: number; groups: number }>(`/channels/${channelId}`, { method: "DELETE", body: { confirm: typed } }),
    onSuccess: (r) => {
      toast(`Channel "${r.name}" deleted with ${fmtNumber(r.users)} user and ${fmtNumber(r.groups)} group records.`);
      setOpen(false);
      qc.removeQueries({ queryKey: ["channel", channelId] });
      void qc.invalidateQueries({ queryKey: ["channels"] });
      router.replace("/channels");
    },
  });
  if (!c) return null;
  const admin = viewer.can("admin");
  const running = c.activity.running;
  const close = () => {
    setOpen(false);
    setTyped("");
    del.reset();
  };
  return (
    <>
      <Card title="Delete this channel" hint="For a channel that is no longer needed">
        <div className="row-wrap" style={{ gap: 16, alignItems: "flex-start" }}>
          <p className="muted" style={{ margin: 0, flex: "1 1 280px" }}>
            Removes the channel&apos;s configuration and its whole internal store: {fmtNumber(c.counts.users.total)} user and {fmtNumber(c.counts.groups.total)} group records, its cycles
            and held deprovisionings. Nothing is sent to the service provider: the accounts it provisioned stay there.
            {admin ? "" : " Only an admin can delete a channel."}
          </p>
          <Button variant="danger-outline" disabled={!admin} onClick={() => setOpen(true)} data-testid="delete-channel">
            Delete channel…
          </Button>
        </div>
      </Card>
      <Dialog
        open={open}
        onClose={close}
        labelledBy="delete-channel-title"
        title={`Delete channel "${c.name}"?`}
        action={{ label: "Delete channel", variant: "danger", loading: del.isPending, disabled: typed !== c.name || running, onClick: () => del.mutate() }}
      >
        <div className="stack-sm">
          <p style={{ margin: 0 }}>This cannot be undone. Going with it:</p>
          <ul style={{ margin: 0 }}>
            <li>{fmtNumber(c.counts.users.total)} user records and {fmtNumber(c.counts.groups.total)} group records, with their memberships</li>
            <li>every cycle and deprovisioning hold of the channel</li>
            <li>the source and target settings, secrets included</li>
          </ul>
          <p className="muted" style={{ margin: 0 }}>
            The service provider is not touched. The audit log keeps its entries about this channel.
          </p>
          {running && (
            <Banner tone="amber" title="A cycle is running">
              Deactivate the channel and delete it once the cycle has ended.
            </Banner>
          )}
          {del.isError && <Banner tone="red">{del.error.message}</Banner>}
          <div className="field">
            <label htmlFor="delete-channel-name">
              Type the channel name <code className="code-inline">{c.name}</code> to confirm
            </label>
            <input id="delete-channel-name" className="input" autoComplete="off" value={typed} onChange={(e) => setTyped(e.target.value)} />
          </div>
        </div>
      </Dialog>
    </>
  );
}
