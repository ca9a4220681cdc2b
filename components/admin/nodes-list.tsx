"use client";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import type { TNodeView } from "@/lib/nodes/list-nodes";
import { api, type Json } from "@/components/console/api";
import { ModeBadge, NodeStatusBadge } from "@/components/console/status";
import { useViewer } from "@/components/console/viewer-context";
import { Dialog } from "@/components/ui/dialog";
import { IconNodes } from "@/components/ui/icons";
import { Banner, Button, Card, EmptyState, PageHead, SkeletonRows } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { useToast } from "@/components/ui/toasts";

type TNode = Json<TNodeView>;

export function NodesList() {
  const viewer = useViewer();
  const toast = useToast();
  const qc = useQueryClient();
  const [target, setTarget] = useState<TNode | null>(null);
  const q = useQuery({ queryKey: ["nodes"], queryFn: () => api<{ heartbeatSec: number; nodes: TNode[] }>("/nodes"), refetchInterval: 3_000 });
  const force = useMutation({
    mutationFn: (id: number) => api(`/nodes/${id}/force-backup`, { method: "POST" }),
    onSuccess: (_r, id) => {
      toast(`Node ${id} is now in FAILOVER: it stops taking cycles at its next heartbeat.`);
      setTarget(null);
      void qc.invalidateQueries({ queryKey: ["nodes"] });
    },
  });
  const nodes = q.data?.nodes ?? [];
  const active = nodes.filter((n) => n.mode === "ACTIVE" && n.effectiveStatus === "RUNNING").length;
  return (
    <>
      <PageHead title="Nodes" sub="Every provisioning worker with its mode and last heartbeat (provmgr --show-nodes)." />
      {q.isError && <Banner tone="red" title="The nodes could not be loaded">{q.error.message}</Banner>}
      {q.data && nodes.length > 0 && active === 0 && (
        <div style={{ marginBottom: 16 }}>
          <Banner tone="red" title="No active node is running">Nothing is provisioned until a worker runs in ACTIVE mode.</Banner>
        </div>
      )}
      <Card flush>
        {q.isPending ? (
          <SkeletonRows rows={3} cols={6} />
        ) : nodes.length === 0 ? (
          <EmptyState icon={<IconNodes />} title="No node has registered yet">
            Start a worker (<code className="code-inline">npm run worker</code>): it registers here and sends a heartbeat every {q.data?.heartbeatSec ?? 5} s.
          </EmptyState>
        ) : (
          <table className="table" aria-label="Nodes">
            <thead>
              <tr>
                <th className="num">Node</th>
                <th>Host</th>
                <th>Mode</th>
                <th>Status</th>
                <th>Last heartbeat</th>
                <th>Started</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {nodes.map((n) => (
                <tr key={n.id}>
                  <td className="num">
                    <strong>{n.id}</strong>
                  </td>
                  <td>
                    {n.hostname}
                    <div className="cell-sub">pid {n.pid ?? "—"}</div>
                  </td>
                  <td>
                    <ModeBadge mode={n.mode} />
                  </td>
                  <td>
                    <NodeStatusBadge status={n.effectiveStatus} />
                  </td>
                  <td>
                    <Time value={n.lastHeartbeat} />
                  </td>
                  <td>
                    <Time value={n.startedAt} />
                  </td>
                  <td style={{ textAlign: "right" }}>
                    <Button
                      size="sm"
                      variant="danger-outline"
                      disabled={!viewer.can("operator") || n.mode === "FAILOVER"}
                      title={!viewer.can("operator") ? "Needs the operator or admin role" : n.mode === "FAILOVER" ? "Already a backup" : undefined}
                      onClick={() => setTarget(n)}
                    >
                      Force to backup
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
      <Dialog
        open={target !== null}
        onClose={() => setTarget(null)}
        title={`Put node ${target?.id} in FAILOVER mode?`}
        action={{ label: "Force to backup", variant: "danger", loading: force.isPending, onClick: () => target && force.mutate(target.id) }}
      >
        <p style={{ marginTop: 0 }}>
          Node <strong>{target?.id}</strong> on <strong>{target?.hostname}</strong> stops taking cycles at its next heartbeat and hands queued cycles to an active node (as <code className="code-inline">provmgr --force-node-backup -n {target?.id}</code>).
        </p>
        {active <= 1 && target?.mode === "ACTIVE" && <Banner tone="amber">This is the only active node: provisioning stops until another node is active.</Banner>}
        {force.isError && <Banner tone="red">{force.error.message}</Banner>}
      </Dialog>
    </>
  );
}
