// Ferry's Prometheus metrics (prom-client): one registry per process. What a process does
// itself (cycles it ran, SCIM requests it sent) is counted here as it happens; what the
// store knows (health, dirty and failing records, quarantine, nodes) is read at each
// scrape (store-metrics.ts), so the console and every worker answer the same. Names and
// meanings: docs/metrics.md.
import client from "prom-client";

export const registry = new client.Registry();
client.collectDefaultMetrics({ register: registry });

export const cyclesTotal = new client.Counter({
  name: "ferry_cycles_total",
  help: "Provisioning cycles this process ran, by channel, outcome and read mode",
  labelNames: ["channel", "status", "mode"] as const,
  registers: [registry],
});

export const cycleDuration = new client.Histogram({
  name: "ferry_cycle_duration_seconds",
  help: "Wall time of a cycle (phase=total) and of each of its phases (users.read, users.push, ...)",
  labelNames: ["channel", "phase"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800],
  registers: [registry],
});

export const recordsPushedTotal = new client.Counter({
  name: "ferry_records_pushed_total",
  help: "Records the target acknowledged, by channel and action (CREATE, UPDATE, DISABLE, DELETE, GROUP_*)",
  labelNames: ["channel", "action"] as const,
  registers: [registry],
});

export const recordFailuresTotal = new client.Counter({
  name: "ferry_record_failures_total",
  help: "Pushes the target did not acknowledge, by channel and whose fault (record: refused for itself; target: auth, outage)",
  labelNames: ["channel", "cause"] as const,
  registers: [registry],
});

export const scimRequestsTotal = new client.Counter({
  name: "ferry_scim_requests_total",
  help: "HTTP exchanges with SCIM targets (each attempt), by channel, method, resource and status (0: no answer)",
  labelNames: ["channel", "method", "resource", "status"] as const,
  registers: [registry],
});

export const scimRequestDuration = new client.Histogram({
  name: "ferry_scim_request_duration_seconds",
  help: "Latency of HTTP exchanges with SCIM targets, by channel and method",
  labelNames: ["channel", "method"] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [registry],
});

/** "/Users/abc" -> "Users"; "/ServiceProviderConfig" -> "ServiceProviderConfig" (bounded label values). */
export function resourceOf(path: string): string {
  const first = path.split("?")[0]!.split("/").filter(Boolean)[0] ?? "";
  return ["Users", "Groups", "ServiceProviderConfig", "Schemas", "ResourceTypes", "Bulk"].includes(first) ? first : "other";
}

/** What a finished cycle adds to the metrics. */
export function observeCycle(c: { channelId: number; status: string; mode: string; ms: number; phases: Record<string, number>; pushed: Record<string, number>; failed: number; targetFailed: number }): void {
  const channel = String(c.channelId);
  cyclesTotal.inc({ channel, status: c.status, mode: c.mode });
  cycleDuration.observe({ channel, phase: "total" }, c.ms / 1000);
  for (const [phase, ms] of Object.entries(c.phases)) cycleDuration.observe({ channel, phase }, ms / 1000);
  for (const [action, n] of Object.entries(c.pushed)) if (n > 0) recordsPushedTotal.inc({ channel, action }, n);
  if (c.failed - c.targetFailed > 0) recordFailuresTotal.inc({ channel, cause: "record" }, c.failed - c.targetFailed);
  if (c.targetFailed > 0) recordFailuresTotal.inc({ channel, cause: "target" }, c.targetFailed);
}

const cycleLooksTotal = new client.Counter({
  name: "ferry_cycle_looks_total",
  help: "Looks before a scheduled cycle (lib/sync/quiet-poll.ts), by channel and outcome: quiet (nothing changed, no cycle ran) or cycle",
  labelNames: ["channel", "outcome"] as const,
  registers: [registry],
});

/** A look before a scheduled cycle: quiet (left out) or a cycle to run. */
export function observeCycleLook(channelId: number, quiet: boolean): void {
  cycleLooksTotal.inc({ channel: String(channelId), outcome: quiet ? "quiet" : "cycle" });
}

export function observeScimExchange(channelId: number, e: { method: string; path: string; status: number; seconds: number }): void {
  const channel = String(channelId);
  scimRequestsTotal.inc({ channel, method: e.method, resource: resourceOf(e.path), status: String(e.status) });
  scimRequestDuration.observe({ channel, method: e.method }, e.seconds);
}

export const governorWaitSeconds = new client.Counter({
  name: "ferry_governor_wait_seconds_total",
  help: "Time requests of this process waited for the shared rate governor (slots of the host's rate, 429 pauses), by target host",
  labelNames: ["host"] as const,
  registers: [registry],
});

export const governorThrottles = new client.Counter({
  name: "ferry_governor_throttles_total",
  help: "429 answers this process reported to the shared rate governor, by target host",
  labelNames: ["host"] as const,
  registers: [registry],
});
