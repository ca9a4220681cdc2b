"use client";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";
import type { TAuditEntry } from "@/lib/audit/list-audit";
import { api, type Json } from "@/components/console/api";
import { useViewer } from "@/components/console/viewer-context";
import { IconAudit } from "@/components/ui/icons";
import { Badge, Banner, Button, Card, EmptyState, PageHead, SkeletonRows } from "@/components/ui/primitives";
import { Time, absolute } from "@/components/ui/time";

type TEntry = Json<TAuditEntry>;

function detailsText(d: unknown): string {
  if (!d || typeof d !== "object") return "";
  return Object.entries(d as Record<string, unknown>)
    .filter(([k]) => k !== "changes")
    .map(([k, v]) => `${k}: ${typeof v === "object" ? JSON.stringify(v) : String(v)}`)
    .join(" · ");
}

type TChange = { field: string; from: unknown; to: unknown; secret?: string };

function valueText(v: unknown): string {
  if (v === null || v === undefined || v === "") return "—";
  return typeof v === "string" ? v : JSON.stringify(v);
}

/** A channel update's changes (lib/channels/config-diff.ts): field, before → after; secrets only say set/changed/removed. */
function Changes({ details }: { details: unknown }) {
  const changes = (details as { changes?: TChange[] } | null)?.changes;
  if (!Array.isArray(changes)) return null;
  if (changes.length === 0) return <div className="muted">no setting changed</div>;
  return (
    <ul className="audit-changes" data-testid="audit-changes">
      {changes.map((c) => (
        <li key={c.field}>
          <code className="code-inline">{c.field}</code>{" "}
          {c.secret ? (
            <span>secret {c.secret}</span>
          ) : (
            <span>
              <span className="muted">{valueText(c.from)}</span> → {valueText(c.to)}
            </span>
          )}
        </li>
      ))}
    </ul>
  );
}

const VIA_TONE: Record<string, "blue" | "violet" | "gray" | "amber"> = { console: "blue", api: "violet", cli: "gray", test: "amber" };

export function AuditLog() {
  const viewer = useViewer();
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
      <PageHead
        title="Audit log"
        sub="Who did what to which channel, when, and through which door (console, API, provmgr)."
        actions={
          viewer.can("admin") && (
            <>
              {(["csv", "json"] as const).map((format) => (
                // a plain download: the session cookie goes with it, and the answer is streamed
                <a
                  key={format}
                  className="btn"
                  download
                  href={`/api/v1/audit/export?${new URLSearchParams({ format, ...(actor ? { actor } : {}), ...(action ? { action } : {}), ...(channelId ? { channelId } : {}) }).toString()}`}
                  title="Every entry matching the filters, newest first"
                >
                  Export {format.toUpperCase()}
                </a>
              ))}
            </>
          )
        }
      />
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
          <table className="table rows-on-phone" aria-label="Audit log">
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
                  <td data-label="Who" className="cell-wrap">
                    <strong>{e.actor}</strong>
                    <div>
                      <Badge tone={VIA_TONE[e.via] ?? "gray"}>{e.via}</Badge>
                    </div>
                  </td>
                  <td data-label="Action">
                    <code className="code-inline">{e.action}</code>
                  </td>
                  <td data-label="Channel">
                    {e.channelId !== null && e.channelName === null ? (
                      // the channel was deleted: nothing to link to
                      <span className="muted">
                        #{e.channelId} (deleted{(e.details as { name?: unknown } | null)?.name ? `: ${String((e.details as { name?: unknown }).name)}` : ""})
                      </span>
                    ) : e.channelId !== null ? (
                      <Link href={`/channels/${e.channelId}`}>
                        #{e.channelId} {e.channelName}
                      </Link>
                    ) : (
                      <span className="muted">—</span>
                    )}
                  </td>
                  <td className="small muted cell-wrap" data-label="Details" style={{ maxWidth: 420 }}>
                    {detailsText(e.details)}
                    <Changes details={e.details} />
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
