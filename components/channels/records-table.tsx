"use client";
// Users or groups of a channel: search (name, DN, GUID, SCIM id), state filter, keyset
// pages. Fast at 100,000 records because the server pages by index (list-records.ts).
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter, useSearchParams } from "next/navigation";
import { useEffect, useState } from "react";
import type { TRecordPage } from "@/lib/channels/list-records";
import { RECORD_STATE_LABELS, RECORD_STATES, type TRecordState } from "@/lib/channels/record-states";
import { api, type Json } from "@/components/console/api";
import { DirtyBadge, SourceBadge, TargetBadge } from "@/components/console/status";
import { IconSearch, IconUsers } from "@/components/ui/icons";
import { Banner, Button, Card, EmptyState, SkeletonRows, fmtNumber } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";

type TPage = Json<TRecordPage>;
const PAGE = 50;

export function RecordsTable({ channelId, kind, fixedState, title }: { channelId: number; kind: "user" | "group"; fixedState?: TRecordState; title?: string }) {
  const router = useRouter();
  // ?state=held and the like: links from the overview open the list already filtered
  const fromUrl = useSearchParams().get("state");
  const initial = RECORD_STATES.find((s) => s === fromUrl);
  const [input, setInput] = useState("");
  const [q, setQ] = useState("");
  const [state, setState] = useState<TRecordState | "">(fixedState ?? initial ?? "");
  const [cursors, setCursors] = useState<Array<string | undefined>>([undefined]);
  const cursor = cursors[cursors.length - 1];

  // search as you type, without a request per keystroke
  useEffect(() => {
    const t = setTimeout(() => {
      setQ(input.trim());
      setCursors([undefined]);
    }, 300);
    return () => clearTimeout(t);
  }, [input]);

  const path = kind === "user" ? "users" : "groups";
  const query = useQuery({
    queryKey: ["records", channelId, kind, q, state, cursor],
    queryFn: () => api<TPage>(`/channels/${channelId}/${path}`, { query: { q, state, after: cursor, limit: PAGE } }),
    placeholderData: keepPreviousData,
    refetchInterval: 5_000,
  });
  const data = query.data;
  const pageNo = cursors.length;
  const from = (pageNo - 1) * PAGE + 1;
  const noun = kind === "user" ? "user" : "group";
  const showError = fixedState === "dirty" || state === "failing" || state === "dirty";

  return (
    <Card flush title={title}>
      <div className="toolbar">
        <div className="search">
          <IconSearch />
          <input
            className="input"
            type="search"
            placeholder={kind === "user" ? "Search by userName, DN, GUID or SCIM id" : "Search by name, DN, GUID or SCIM id"}
            aria-label={`Search ${noun}s`}
            value={input}
            onChange={(e) => setInput(e.target.value)}
          />
        </div>
        {!fixedState && (
          <select
            className="select"
            style={{ width: "auto" }}
            aria-label="State"
            value={state}
            onChange={(e) => {
              setState(e.target.value as TRecordState | "");
              setCursors([undefined]);
            }}
          >
            <option value="">All states</option>
            {RECORD_STATES.map((s) => (
              <option key={s} value={s}>
                {RECORD_STATE_LABELS[s]}
              </option>
            ))}
          </select>
        )}
        <span className="spacer" />
        {data && (
          <span className="muted small nowrap" data-testid="records-count">
            {data.total === 0 ? "none" : `${fmtNumber(from)}–${fmtNumber(from + data.items.length - 1)} of ${fmtNumber(data.total)}${data.totalCapped ? "+" : ""}`}
          </span>
        )}
      </div>
      {query.isError && (
        <div style={{ padding: 14 }}>
          <Banner tone="red" title={`The ${noun}s could not be loaded`}>{query.error.message}</Banner>
        </div>
      )}
      {query.isPending ? (
        <SkeletonRows rows={8} cols={6} />
      ) : data && data.items.length === 0 ? (
        <EmptyState icon={<IconUsers />} title={q || (state && !fixedState) ? `No ${noun} matches` : fixedState === "dirty" ? `No dirty ${noun}s` : `No ${noun}s yet`}>
          {q || (state && !fixedState)
            ? "Try part of a name, a DN or a GUID, or another state."
            : fixedState === "dirty"
              ? `Every ${noun} has been acknowledged by the service provider.`
              : `${kind === "user" ? "Users" : "Groups"} appear here after the first cycle reads the directory.`}
        </EmptyState>
      ) : data ? (
        <div className="table-wrap" style={{ opacity: query.isPlaceholderData ? 0.6 : 1 }}>
          <table className="table" aria-label={`${noun}s`}>
            <thead>
              <tr>
                <th>{kind === "user" ? "userName" : "Group"}</th>
                {kind === "group" && <th className="num">Members</th>}
                <th>At the target</th>
                <th>In the directory</th>
                <th>LDAP GUID</th>
                <th>SCIM id</th>
                <th>Last synced</th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((r) => {
                const href = `/channels/${channelId}/${path}/${r.id}`;
                const rows = [
                  <tr key={r.id} className={`clickable${showError && r.lastError ? " has-error" : ""}`} onClick={() => router.push(href)}>
                    <td style={{ maxWidth: 360 }}>
                      <Link href={href} className="cell-title" onClick={(e) => e.stopPropagation()}>
                        {r.providerName ?? <span className="muted">(no name yet)</span>}
                      </Link>
                      <div className="cell-sub truncate" title={r.dn}>
                        {r.dn}
                      </div>
                    </td>
                    {kind === "group" && <td className="num">{fmtNumber(r.memberCount ?? 0)}</td>}
                    <td>
                      <div className="row-wrap" style={{ gap: 4 }}>
                        <TargetBadge state={r.targetState} />
                        <DirtyBadge dirty={r.dirty} action={r.pendingAction} error={r.lastError} />
                      </div>
                    </td>
                    <td>
                      <SourceBadge state={r.sourceState} />
                    </td>
                    <td style={{ maxWidth: 170 }}>
                      <div className="mono small truncate" title={r.guid}>
                        {r.guid}
                      </div>
                    </td>
                    <td style={{ maxWidth: 170 }}>
                      <div className="mono small truncate" title={r.scimId ?? ""}>
                        {r.scimId ?? <span className="muted">—</span>}
                      </div>
                    </td>
                    <td className="small">
                      <Time value={r.lastSyncedAt} />
                    </td>
                  </tr>,
                ];
                if (showError && r.lastError) {
                  rows.push(
                    <tr key={`${r.id}-e`} className="error-row">
                      <td colSpan={kind === "group" ? 7 : 6} className="small">
                        <strong>Attempt {r.attempts}</strong>
                        {r.lastAttemptAt ? <> (<Time value={r.lastAttemptAt} />)</> : null}: {r.lastError}
                      </td>
                    </tr>,
                  );
                }
                return rows;
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {data && (cursors.length > 1 || data.nextCursor) && (
        <div className="card-foot">
          <span className="muted small">Page {pageNo}</span>
          <span className="spacer" />
          <Button size="sm" disabled={cursors.length <= 1} onClick={() => setCursors((c) => c.slice(0, -1))}>
            ← Previous
          </Button>
          <Button size="sm" disabled={!data.nextCursor} onClick={() => data.nextCursor && setCursors((c) => [...c, data.nextCursor ?? undefined])}>
            Next →
          </Button>
        </div>
      )}
    </Card>
  );
}
