// Metrics read from the store at each scrape: the same numbers from the console and from
// every worker. A handful of aggregate queries, shared by the gauges of one scrape.
import client from "prom-client";
import { getDb } from "../db/index.ts";
import { HEALTH_STATES } from "../health/channel-health.ts";
import { readGovernorState, type TGovernorState } from "../governor/read-governor-state.ts";
import { registry } from "./registry.ts";

type TSnapshot = {
  channels: Array<{ id: number; name: string; health: string | null; failing_cycles: number; quarantine_until: Date | null; last_cycle_at: Date | null; last_success_at: Date | null }>;
  records: Array<{ channel_id: number; kind: string; total: bigint; dirty: bigint; failing: bigint; waiting: bigint }>;
  holds: Array<{ channel_id: number; n: bigint }>;
  nodes: Array<{ id: number; mode: string; status: string; last_heartbeat: Date }>;
  alerts: Array<{ status: string; n: bigint }>;
  governor: TGovernorState[];
};

let cached: { at: number; value: Promise<TSnapshot> } | null = null;

/** One read of the store per scrape (the gauges below share it for a second). */
function snapshot(): Promise<TSnapshot> {
  if (cached && Date.now() - cached.at < 1000) return cached.value;
  const value = read();
  cached = { at: Date.now(), value };
  value.catch(() => (cached = null));
  return value;
}

async function read(): Promise<TSnapshot> {
  const db = await getDb();
  const [channels, records, holds, nodes, alerts, governor] = await Promise.all([
    db.$queryRawUnsafe<TSnapshot["channels"]>(
      `SELECT c.id, c.name, c.health, c.failing_cycles, c.quarantine_until, c.last_cycle_at,
         (SELECT max(finished_at) FROM cycle y WHERE y.channel_id = c.id AND y.status = 'SUCCESS') AS last_success_at
       FROM channel c`,
    ),
    db.$queryRawUnsafe<TSnapshot["records"]>(
      `SELECT channel_id, 'user' AS kind, count(*) AS total, count(*) FILTER (WHERE dirty) AS dirty,
         count(*) FILTER (WHERE dirty AND last_error IS NOT NULL) AS failing, count(*) FILTER (WHERE dirty AND next_attempt_at > now()) AS waiting
       FROM user_record GROUP BY channel_id
       UNION ALL
       SELECT channel_id, 'group', count(*), count(*) FILTER (WHERE dirty),
         count(*) FILTER (WHERE dirty AND last_error IS NOT NULL), count(*) FILTER (WHERE dirty AND next_attempt_at > now())
       FROM group_record GROUP BY channel_id`,
    ),
    db.$queryRawUnsafe<TSnapshot["holds"]>(`SELECT channel_id, count(*) AS n FROM deprovision_hold WHERE status = 'HELD' GROUP BY channel_id`),
    db.$queryRawUnsafe<TSnapshot["nodes"]>(`SELECT id, mode::text AS mode, status, last_heartbeat FROM node`),
    db.$queryRawUnsafe<TSnapshot["alerts"]>(`SELECT status, count(*) AS n FROM alert_delivery GROUP BY status`),
    readGovernorState(db),
  ]);
  return { channels, records, holds, nodes, alerts, governor };
}

const seconds = (d: Date) => d.getTime() / 1000;

function gauge(name: string, help: string, labelNames: string[], fill: (g: client.Gauge<string>, s: TSnapshot) => void): void {
  new client.Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    async collect() {
      this.reset();
      fill(this, await snapshot());
    },
  });
}

let registered = false;

/** Adds the store's gauges to this process's registry (once). */
export function registerStoreMetrics(): void {
  if (registered) return;
  registered = true;
  gauge("ferry_channel_health", "1 for the channel's current health state (healthy, degraded, failing, quarantined, held, inactive, pending)", ["channel", "name", "state"], (g, s) => {
    for (const c of s.channels) for (const state of HEALTH_STATES) g.set({ channel: String(c.id), name: c.name, state }, (c.health ?? "pending") === state ? 1 : 0);
  });
  gauge("ferry_channel_failing_cycles", "Failing cycles in a row", ["channel"], (g, s) => {
    for (const c of s.channels) g.set({ channel: String(c.id) }, c.failing_cycles);
  });
  gauge("ferry_channel_quarantine_until_timestamp_seconds", "End of the channel's quarantine (0: not quarantined)", ["channel"], (g, s) => {
    for (const c of s.channels) g.set({ channel: String(c.id) }, c.quarantine_until && c.quarantine_until.getTime() > Date.now() ? seconds(c.quarantine_until) : 0);
  });
  gauge("ferry_channel_last_cycle_timestamp_seconds", "When the channel's last cycle finished", ["channel"], (g, s) => {
    for (const c of s.channels) if (c.last_cycle_at) g.set({ channel: String(c.id) }, seconds(c.last_cycle_at));
  });
  gauge(
    "ferry_change_lag_seconds",
    "Seconds since the channel's last fully successful cycle: how far behind the directory its target may be",
    ["channel"],
    (g, s) => {
      for (const c of s.channels) if (c.last_success_at) g.set({ channel: String(c.id) }, Math.max(0, Date.now() / 1000 - seconds(c.last_success_at)));
    },
  );
  gauge("ferry_records", "Records in the store, by channel and kind (user, group)", ["channel", "kind"], (g, s) => {
    for (const r of s.records) g.set({ channel: String(r.channel_id), kind: r.kind }, Number(r.total));
  });
  gauge("ferry_records_dirty", "Records waiting for the target to acknowledge a change", ["channel", "kind"], (g, s) => {
    for (const r of s.records) g.set({ channel: String(r.channel_id), kind: r.kind }, Number(r.dirty));
  });
  gauge("ferry_records_failing", "Dirty records whose last push failed", ["channel", "kind"], (g, s) => {
    for (const r of s.records) g.set({ channel: String(r.channel_id), kind: r.kind }, Number(r.failing));
  });
  gauge("ferry_records_backoff", "Failing records waiting out their backoff before the next try", ["channel", "kind"], (g, s) => {
    for (const r of s.records) g.set({ channel: String(r.channel_id), kind: r.kind }, Number(r.waiting));
  });
  gauge("ferry_deprovisioning_holds", "Deprovisionings held for an administrator's approval", ["channel"], (g, s) => {
    for (const c of s.channels) g.set({ channel: String(c.id) }, Number(s.holds.find((h) => h.channel_id === c.id)?.n ?? 0));
  });
  gauge("ferry_node_heartbeat_timestamp_seconds", "Each provisioning node's last heartbeat", ["node", "mode", "status"], (g, s) => {
    for (const n of s.nodes) g.set({ node: String(n.id), mode: n.mode, status: n.status }, seconds(n.last_heartbeat));
  });
  gauge("ferry_target_rate_factor", "Share of the configured rate the shared governor allows a target host after 429s (1: all of it)", ["host"], (g, s) => {
    for (const h of s.governor) g.set({ host: h.host }, h.factor);
  });
  gauge("ferry_target_paused_seconds", "Seconds every sender to a target host still waits after a 429 (0: not paused)", ["host"], (g, s) => {
    for (const h of s.governor) g.set({ host: h.host }, h.pausedForMs / 1000);
  });
  gauge("ferry_target_throttled_recent", "429 answers from a target host in the last five minutes, all senders", ["host"], (g, s) => {
    for (const h of s.governor) g.set({ host: h.host }, h.throttledRecent);
  });
  gauge("ferry_alert_deliveries", "Alert deliveries by status (PENDING, SENT, FAILED, SUPPRESSED)", ["status"], (g, s) => {
    for (const a of s.alerts) g.set({ status: a.status }, Number(a.n));
  });
}

/** The Prometheus text exposition of this process's registry, with the store's gauges. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  registerStoreMetrics();
  return { contentType: registry.contentType, body: await registry.metrics() };
}
