"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { TAuditEntry } from "@/lib/audit/list-audit";
import { api, type Json } from "@/components/console/api";
import { IconAudit } from "@/components/ui/icons";
import { Badge, Banner, Button, Card, EmptyState, PageHead, SkeletonRows } from "@/components/ui/primitives";
import { Time, absolute } from "@/components/ui/time";

type TEntry = Json<TAuditEntry>;

function detailsText(d: unknown): string {
  if (!d || typeof d !== "object") return "";
  return Object.entries(d as Record<string, unknown>)
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

const VIA_TONE: Record<string, "blue" | "violet" | "gray" | "amber"> = { console: "blue", api: "violet", cli: "gray", test: "amber" };

export function AuditLog() {
  const [actor, setActor] = useState("");
  const [action, setAction] = useState("");
  const [channelId, setChannelId] = useState("");
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const cursor = cursors[cursors.length - 1];
  const q = useQuery({
    queryKey: ["audit", actor, action, channelId, cursor],
    queryFn: () => api<{ items: TEntry[]; nextCursor: string | null }>("/audit", { query: { actor, action, channelId, before: cursor, limit: 50 } }),
    placeholderData: keepPreviousData,
    refetchInterval: cursors.length === 1 ? 5_000 : false,
  });
  const reset = () => setCursors([undefined]);
  return (
    <>
      <PageHead title="Audit log" sub="Who did what to which channel, when, and through which door (console, API, provmgr)." />
      <Card flush>
        <div className="toolbar">
          <input className="input" style={{ maxWidth: 200 }} placeholder="Actor" aria-label="Actor" value={actor} onChange={(e) => { setActor(e.target.value.trim()); reset(); }} />
          <input className="input" style={{ maxWidth: 240 }} placeholder="Action (e.g. reset-, delete-)" aria-label="Action" value={action} onChange={(e) => { setAction(e.target.value.trim()); reset(); }} />
          <input className="input" style={{ maxWidth: 120 }} placeholder="Channel #" aria-label="Channel" inputMode="numeric" value={channelId} onChange={(e) => { setChannelId(e.target.value.replace(/\D/g, "")); reset(); }} />
        </div>
        {q.isError && <div style={{ padding: 14 }}><Banner tone="red">{q.error.message}</Banner></div>}
        {q.isPending ? (
          <SkeletonRows rows={8} cols={5} />
        ) : q.data && q.data.items.length === 0 ? (
          <EmptyState icon={<IconAudit />} title="Nothing recorded">
            {actor || action || channelId ? "No entry matches these filters." : "Operations, configuration changes and console administration appear here."}
          </EmptyState>
        ) : q.data ? (
          <table className="table" aria-label="Audit log">
            <thead>
              <tr>
                <th>When</th>
                <th>Who</th>
                <th>Action</th>
                <th>Channel</th>
                <th>Details</th>
              </tr>
            </thead>
            <tbody>
              {q.data.items.map((e) => (
                <tr key={e.id}>
                  <td className="small">
                    <Time value={e.at} />
                    <div className="cell-sub nowrap">{absolute(e.at)}</div>
                  </td>
                  <td>
                    <strong>{e.actor}</strong>
                    <div>
                      <Badge tone={VIA_TONE[e.via] ?? "gray"}>{e.via}</Badge>
                    </div>
                  </td>
                  <td>
                    <code className="code-inline">{e.action}</code>
                  </td>
                  <td>
                    {e.channelId !== null ? (
                      <Link href={`/channels/${e.channelId}`}>
                        #{e.channelId} {e.channelName ?? <span className="muted">(deleted)</span>}
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="small muted break" style={{ maxWidth: 420 }}>
                    {detailsText(e.details)}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : null}
        {q.data && (cursors.length > 1 || q.data.nextCursor) && (
          <div className="card-foot">
            <span className="muted small">Page {cursors.length}</span>
            <span className="spacer" />
            <Button size="sm" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>← Newer</Button>
            <Button size="sm" disabled={!q.data.nextCursor} onClick={() => q.data?.nextCursor && setCursors((c) => [...c, q.data?.nextCursor ?? undefined])}>Older →</Button>
          </div>
        )}
      </Card>
    </>
  );
}
