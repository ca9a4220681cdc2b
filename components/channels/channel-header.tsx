"use client";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import { api, ApiError } from "@/components/console/api";
import { ActiveBadge, CycleBadge, HealthBadge } from "@/components/console/status";
import { useViewer } from "@/components/console/viewer-context";
import { Dialog } from "@/components/ui/dialog";
import { Banner, Button, PageHead } from "@/components/ui/primitives";
import { Tabs } from "@/components/ui/tabs";
import { useToast } from "@/components/ui/toasts";
import { useChannel } from "./use-channel";

export function ChannelHeader({ id }: { id: number }) {
  const q = useChannel(id);
  const viewer = useViewer();
  const toast = useToast();
  const qc = useQueryClient();
  const [confirmDeactivate, setConfirmDeactivate] = useState(false);
  const c = q.data;
  const setActive = useMutation({
    mutationFn: (active: boolean) => api(`/channels/${id}/status`, { method: "POST", body: { active } }),
    onSuccess: (_r, active) => {
      toast(active ? "Channel activated: the worker schedules it again." : "Channel deactivated: no more cycles until it is activated.");
      setConfirmDeactivate(false);
      void qc.invalidateQueries({ queryKey: ["channel", id] });
      void qc.invalidateQueries({ queryKey: ["channels"] });
    },
    onError: (e) => toast((e as Error).message, "error"),
  });

  if (q.isError) {
    const notFound = q.error instanceof ApiError && q.error.status === 404;
    return (
      <div style={{ marginBottom: 20 }}>
        <Banner tone="red" title={notFound ? "This channel does not exist" : "The channel could not be loaded"}>
          {q.error.message} <Link href="/channels">Back to channels</Link>
        </Banner>
      </div>
    );
  }
  const base = `/channels/${id}`;
  return (
    <>
      <PageHead
        crumbs={
          <>
            <Link href="/channels">Channels</Link>
            <span className="sep">/</span>#{id}
          </>
        }
        title={
          <span className="row" style={{ gap: 12 }}>
            {c?.name ?? "…"}
            {c && <HealthBadge state={c.health.state} reason={c.health.reason} />}
            {c && <CycleBadge status={c.state.lastCycleStatus} running={c.activity.running} />}
          </span>
        }
        sub={
          c && (
            <span className="row-wrap" style={{ marginTop: 6 }}>
              <ActiveBadge active={c.channelStatus === "active"} what="channel" />
              <ActiveBadge active={c.connectionStatus === "active"} what="connection" />
              <span className="muted">connection {c.connectionId} · every {c.syncFrequencySec}s</span>
            </span>
          )
        }
        actions={
          c &&
          viewer.can("admin") && (
            <>
              {c.channelStatus === "active" ? (
                <Button onClick={() => setConfirmDeactivate(true)}>Deactivate</Button>
              ) : (
                <Button onClick={() => setActive.mutate(true)} loading={setActive.isPending}>
                  Activate
                </Button>
              )}
              <Link className="btn primary" href={`${base}/edit`}>
                Edit channel
              </Link>
            </>
          )
        }
      />
      <Tabs
        items={[
          { href: base, label: "Overview", exact: true },
          { href: `${base}/users`, label: "Users", count: c?.counts.users.total },
          { href: `${base}/groups`, label: "Groups", count: c?.counts.groups.total },
          { href: `${base}/dirty`, label: "Dirty records", count: c ? c.counts.users.dirty + c.counts.groups.dirty : null, countTone: c && c.counts.users.dirty + c.counts.groups.dirty > 0 ? "red" : undefined },
          { href: `${base}/plan`, label: "Plan" },
          { href: `${base}/accounts`, label: "Target accounts" },
          { href: `${base}/log`, label: "Log" },
          { href: `${base}/config`, label: "Source & target" },
          { href: `${base}/operations`, label: "Operations" },
        ]}
      />
      <Dialog
        open={confirmDeactivate}
        onClose={() => setConfirmDeactivate(false)}
        tone="amber"
        title={`Deactivate "${c?.name}"?`}
        action={{ label: "Deactivate", variant: "primary", loading: setActive.isPending, onClick: () => setActive.mutate(false) }}
      >
        No more cycles run for this channel until it is activated again. Nothing is changed at the service provider and the store is kept.
      </Dialog>
    </>
  );
}
