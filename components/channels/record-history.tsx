"use client";
import { useQuery } from "@tanstack/react-query";
import Link from "next/link";
import type { TRecordHistory } from "@/lib/channels/record-history";
import { api, type Json } from "@/components/console/api";
import { CycleBadge } from "@/components/console/status";
import { Badge, Banner, Card, SkeletonRows } from "@/components/ui/primitives";
import { Time, absolute } from "@/components/ui/time";

export function RecordHistory({ channelId, kind, recordId }: { channelId: number; kind: "user" | "group"; recordId: string }) {
  const path = kind === "user" ? "users" : "groups";
  const q = useQuery({ queryKey: ["history", channelId, kind, recordId], queryFn: () => api<Json<TRecordHistory>>(`/channels/${channelId}/${path}/${recordId}/history`) });
  if (q.isError) return <Banner tone="red" title="The history could not be loaded">{q.error.message}</Banner>;
  const h = q.data;
  if (!h) return <Card flush><SkeletonRows rows={6} cols={3} /></Card>;
  const dot = (e: (typeof h.events)[number]) => (e.status === "FAILED" || e.status === "ABORTED" ? "red" : e.status === "SUCCESS" ? "green" : e.source === "operation" ? "violet" : e.source === "cycle" ? "blue" : "");
  return (
    <div className="stack">
      <div>
        <div className="crumbs">
          <Link href={`/channels/${channelId}/${path}`}>{kind === "user" ? "Users" : "Groups"}</Link>
          <span className="sep">/</span>
          <Link href={`/channels/${channelId}/${path}/${recordId}`}>{h.record.providerName ?? `record ${recordId}`}</Link>
          <span className="sep">/</span>history
        </div>
        <h2 style={{ fontSize: 19, fontWeight: 650 }}>History of {h.record.providerName ?? h.record.dn}</h2>
        <p className="muted" style={{ margin: "4px 0 0" }}>
          What the store knows: when this {kind} was first seen, its last directory change, the cycles that pushed it and the operations run on the channel since.
        </p>
      </div>
      <Card flush>
        <ul className="timeline" style={{ padding: "0 18px" }}>
          {h.events.map((e, i) => (
            <li key={i}>
              <div className="small">
                <Time value={e.at} />
                <div className="cell-sub">{absolute(e.at)}</div>
              </div>
              <div>
                <div className={`t-dot ${dot(e)}`} />
              </div>
              <div style={{ minWidth: 0 }}>
                <div className="row-wrap">
                  <strong>{e.title}</strong>
                  {e.source === "cycle" && <CycleBadge status={e.status} />}
                  {e.source === "operation" && <Badge tone="violet">operation</Badge>}
                  {e.actor && <span className="muted small">by {e.actor}</span>}
                </div>
                {e.detail && <div className="small muted break" style={{ marginTop: 2 }}>{e.detail}</div>}
              </div>
            </li>
          ))}
        </ul>
      </Card>
    </div>
  );
}
