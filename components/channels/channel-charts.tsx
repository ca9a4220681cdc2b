"use client";
// The channel overview's charts (recharts): cycles over the last 6 hours, day or week —
// changes pushed and records refused per time bucket with the longest cycle's duration,
// and the backlog of dirty and failing records the cycles left.
import { useQuery } from "@tanstack/react-query";
import { useState } from "react";
import { Area, Bar, CartesianGrid, ComposedChart, Legend, Line, ResponsiveContainer, Tooltip, XAxis, YAxis, AreaChart } from "recharts";
import type { TCycleBucket, THistoryRange } from "@/lib/channels/cycle-history";
import { api, type Json } from "@/components/console/api";
import { Card } from "@/components/ui/primitives";

type THistory = { range: THistoryRange; bucketMinutes: number; from: string; to: string; buckets: Array<Json<TCycleBucket>> };

const RANGES: Array<[THistoryRange, string]> = [
  ["6h", "6 hours"],
  ["24h", "24 hours"],
  ["7d", "7 days"],
];

function tick(iso: string, range: THistoryRange): string {
  const d = new Date(iso);
  const hm = d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  return range === "7d" ? `${d.toLocaleDateString([], { weekday: "short" })} ${hm}` : hm;
}

export function ChannelCharts({ channelId }: { channelId: number }) {
  const [range, setRange] = useState<THistoryRange>("24h");
  const q = useQuery({
    queryKey: ["channel", channelId, "history", range],
    queryFn: () => api<THistory>(`/channels/${channelId}/history`, { query: { range } }),
    refetchInterval: 30_000,
  });
  const data = (q.data?.buckets ?? []).map((b) => ({ ...b, label: tick(b.at, range), ok: b.cycles - b.failed - b.partial }));
  const picker = (
    <div className="segmented" role="group" aria-label="Time range">
      {RANGES.map(([r, label]) => (
        <button key={r} type="button" className={r === range ? "on" : ""} aria-pressed={r === range} onClick={() => setRange(r)}>
          {label}
        </button>
      ))}
    </div>
  );
  const empty = q.isSuccess && data.length === 0;
  return (
    <div className="grid-2 charts" data-testid="channel-charts">
      <Card title="Cycles" hint={`Changes pushed and refused per ${q.data?.bucketMinutes ?? "…"} min, and the longest cycle`} actions={picker}>
        {empty ? (
          <div className="chart-empty muted">No cycle finished in the last {RANGES.find(([r]) => r === range)![1]}.</div>
        ) : (
          <div className="chart" aria-label="Cycles chart" role="img">
            <ResponsiveContainer width="100%" height={220}>
              <ComposedChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
                <XAxis dataKey="label" tick={{ fontSize: 11 }} minTickGap={24} />
                <YAxis yAxisId="n" tick={{ fontSize: 11 }} allowDecimals={false} />
                <YAxis yAxisId="s" orientation="right" tick={{ fontSize: 11 }} unit=" s" />
                <Tooltip />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Bar yAxisId="n" dataKey="pushed" name="changes pushed" stackId="p" fill="var(--blue)" isAnimationActive={false} />
                <Bar yAxisId="n" dataKey="refused" name="refused" stackId="p" fill="var(--red)" isAnimationActive={false} />
                <Line yAxisId="s" dataKey="maxSec" name="longest cycle (s)" stroke="var(--violet)" dot={false} strokeWidth={2} isAnimationActive={false} />
              </ComposedChart>
            </ResponsiveContainer>
          </div>
        )}
      </Card>
      <Card title="Backlog" hint="Dirty records, and those the target refused, after each cycle">
        {empty ? (
          <div className="chart-empty muted">Nothing to draw yet.</div>
        ) : (
          <div className="chart" aria-label="Backlog chart" role="img">
            <ResponsiveContainer width="100%" height={220}>
              <AreaChart data={data} margin={{ top: 8, right: 8, bottom: 0, left: -12 }}>
                <CartesianGrid strokeDasharray="3 3" stroke="var(--border)" vertical={false} />
                <XAxis dataKey="label" tick={{ fontSize: 11 }} minTickGap={24} />
                <YAxis tick={{ fontSize: 11 }} allowDecimals={false} />
                <Tooltip />
                <Legend wrapperStyle={{ fontSize: 12 }} />
                <Area dataKey="dirty" name="dirty" stroke="var(--amber)" fill="var(--amber-soft)" isAnimationActive={false} connectNulls />
                <Area dataKey="failing" name="failing" stroke="var(--red)" fill="var(--red-soft)" isAnimationActive={false} connectNulls />
              </AreaChart>
            </ResponsiveContainer>
          </div>
        )}
      </Card>
    </div>
  );
}
