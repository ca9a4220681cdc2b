"use client";
// The provisioning log: every request Ferry sent to the channel's target, newest first,
// with filters (action, failed only, a user or group name, one cycle, one record), older
// pages by cursor, a live tail on the first page, each entry's bodies on demand, and
// downloads (CSV, JSON) of what the filters select. The same component shows one record's
// requests on its detail page.
import { useInfiniteQuery } from "@tanstack/react-query";
import Link from "next/link";
import { Fragment, useState } from "react";
import type { TLogEntryView } from "@/lib/provisioning-log/read";
import { api, type Json } from "@/components/console/api";
import { Badge, Banner, Button, Card, EmptyState, SkeletonRows, type TTone } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";

type TEntry = Json<TLogEntryView>;

const ACTIONS = ["lookup", "create", "update", "disable", "enable", "delete", "group-create", "group-update", "group-delete", "discovery"];

function statusTone(status: number): TTone {
  if (status === 0 || status >= 500) return "red";
  if (status >= 400) return "amber";
  if (status >= 300) return "amber";
  return "green";
}

export function ProvisioningLog({
  channelId,
  record,
  cycle: fixedCycle,
  compact,
}: {
  channelId: number;
  /** one record's requests only */
  record?: { kind: "user" | "group"; id: string };
  cycle?: string;
  /** a card on a record's page: fewer controls */
  compact?: boolean;
}) {
  const [action, setAction] = useState("");
  const [failed, setFailed] = useState(false);
  const [name, setName] = useState("");
  const [open, setOpen] = useState<string | null>(null);
  const filters = {
    ...(record ? { kind: record.kind, record: record.id } : {}),
    ...(fixedCycle ? { cycle: fixedCycle } : {}),
    ...(action ? { action } : {}),
    ...(failed ? { failed: "1" } : {}),
    ...(name.trim() ? { q: name.trim() } : {}),
  };
  const q = useInfiniteQuery({
    queryKey: ["log", channelId, filters],
    queryFn: ({ pageParam }) => api<{ entries: TEntry[]; nextCursor: string | null }>(`/channels/${channelId}/log`, { query: { ...filters, limit: compact ? 20 : 100, before: pageParam } }),
    initialPageParam: undefined as string | undefined,
    getNextPageParam: (last) => last.nextCursor ?? undefined,
    // a live tail while only the newest page is shown
    refetchInterval: (query) => ((query.state.data?.pages.length ?? 1) <= 1 ? 5_000 : false),
  });
  const entries = q.data?.pages.flatMap((p) => p.entries) ?? [];
  const exportHref = (format: "csv" | "json") => `/api/v1/channels/${channelId}/log/export?${new URLSearchParams({ ...filters, format }).toString()}`;

  const controls = (
    <div className="row log-filters" style={{ flexWrap: "wrap", gap: 8 }}>
      {!record && (
        <input className="input" style={{ width: 200 }} placeholder="User or group name" aria-label="Filter by name" value={name} onChange={(e) => setName(e.target.value)} />
      )}
      <select className="select" style={{ width: 160 }} aria-label="Filter by action" value={action} onChange={(e) => setAction(e.target.value)}>
        <option value="">every action</option>
        {ACTIONS.map((a) => (
          <option key={a} value={a}>
            {a}
          </option>
        ))}
      </select>
      <label className="check" style={{ alignItems: "center" }}>
        <input type="checkbox" checked={failed} onChange={(e) => setFailed(e.target.checked)} aria-label="Failed only" />
        <span>failed only</span>
      </label>
      {!compact && (
        <>
          <a className="btn sm" href={exportHref("csv")} download data-testid="log-export-csv">
            Download CSV
          </a>
          <a className="btn sm" href={exportHref("json")} download>
            JSON
          </a>
        </>
      )}
    </div>
  );

  return (
    <Card
      title={compact ? "Provisioning log" : undefined}
      hint={compact ? "The requests Ferry sent to the target for it, newest first" : undefined}
      actions={compact ? undefined : undefined}
      flush
    >
      <div style={{ padding: "12px 16px", borderBottom: "1px solid var(--border)" }}>
        {fixedCycle && (
          <div className="small" style={{ marginBottom: 8 }}>
            Cycle #{fixedCycle} only. <Link href={`/channels/${channelId}/log`}>Every cycle</Link>
          </div>
        )}
        {controls}
      </div>
      {q.isError && (
        <div style={{ padding: 14 }}>
          <Banner tone="red">{q.error.message}</Banner>
        </div>
      )}
      {q.isPending ? (
        <SkeletonRows rows={compact ? 3 : 8} cols={6} />
      ) : entries.length === 0 ? (
        <EmptyState title="No request matches">Requests appear here as cycles send them; they are kept for 30 days unless the worker says otherwise.</EmptyState>
      ) : (
        <div className="table-scroll">
          <table className="table" aria-label="Provisioning log">
            <thead>
              <tr>
                <th>When</th>
                {!record && <th>For</th>}
                <th>Action</th>
                <th>Request</th>
                <th>Status</th>
                <th style={{ textAlign: "right" }}>Took</th>
              </tr>
            </thead>
            <tbody>
              {entries.map((e) => (
                <Fragment key={e.id}>
                  <tr className="clickable" onClick={() => setOpen(open === e.id ? null : e.id)} data-testid="log-row">
                    <td className="nowrap">
                      <Time value={e.at} />
                      {e.cycleId && !fixedCycle && (
                        <div className="cell-sub">
                          <Link href={`/channels/${channelId}/log?cycle=${e.cycleId}`} onClick={(ev) => ev.stopPropagation()}>
                            cycle #{e.cycleId}
                          </Link>
                        </div>
                      )}
                    </td>
                    {!record && (
                      <td>
                        {e.recordId && e.recordKind ? (
                          <Link href={`/channels/${channelId}/${e.recordKind}s/${e.recordId}`} onClick={(ev) => ev.stopPropagation()}>
                            {e.recordName ?? e.recordGuid}
                          </Link>
                        ) : (
                          <span className="muted">the channel</span>
                        )}
                      </td>
                    )}
                    <td>
                      <Badge tone="gray">{e.action}</Badge>
                    </td>
                    <td className="mono small" style={{ overflowWrap: "anywhere", maxWidth: 420 }}>
                      {e.method} {readablePath(e.path)}
                      {e.attempt > 1 && <span className="muted"> (attempt {e.attempt})</span>}
                    </td>
                    <td>
                      <Badge tone={statusTone(e.status)} dot>
                        {e.status === 0 ? "no answer" : e.status}
                      </Badge>
                      {e.error && <div className="cell-sub err-text">{e.error}</div>}
                    </td>
                    <td className="nowrap" style={{ textAlign: "right" }}>
                      {e.durationMs} ms
                    </td>
                  </tr>
                  {open === e.id && (
                    <tr className="log-bodies">
                      <td colSpan={record ? 5 : 6}>
                        <div className="grid-2">
                          <div>
                            <div className="small muted">Sent (secrets redacted)</div>
                            <pre className="code-block">{pretty(e.requestBody) ?? "—"}</pre>
                          </div>
                          <div>
                            <div className="small muted">Answered</div>
                            <pre className="code-block">{pretty(e.responseBody) ?? "—"}</pre>
                          </div>
                        </div>
                      </td>
                    </tr>
                  )}
                </Fragment>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {q.hasNextPage && (
        <div style={{ padding: 12, textAlign: "center" }}>
          <Button size="sm" loading={q.isFetchingNextPage} onClick={() => void q.fetchNextPage()}>
            Older requests
          </Button>
        </div>
      )}
    </Card>
  );
}

/** The query as people write it: filter=userName eq "janet", not %22janet%22. */
function readablePath(path: string): string {
  try {
    return decodeURIComponent(path.replace(/\+/g, " "));
  } catch {
    return path;
  }
}

function pretty(body: string | null): string | null {
  if (!body) return null;
  try {
    return JSON.stringify(JSON.parse(body), null, 2);
  } catch {
    return body;
  }
}
