// Metrics and probes (issue 14): the console's /metrics (API token) and the worker's
// monitoring endpoint are scraped over HTTP after real cycles (slapd, Better Auth SCIM
// behind a fault proxy, PostgreSQL), and say what happened: cycles by status, phases,
// SCIM requests by resource and status, health, dirty and failing records, quarantine.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/api-tokens/create-api-token.ts";
import { logger } from "../../lib/log.ts";
import { startMetricsServer } from "../../lib/metrics/server.ts";
import { freePort } from "../../devkit/ports.ts";
import type { FaultProxy } from "../harness/fault-proxy.ts";
import { startWorldBehindProxy, type TWorld } from "../helpers/fixture.ts";
import { callRoute } from "../helpers/route-call.ts";
import * as metricsRoute from "../../app/metrics/route.ts";
import * as healthzRoute from "../../app/healthz/route.ts";
import * as readyzRoute from "../../app/readyz/route.ts";

let w: TWorld;
let proxy: FaultProxy;
let server: Awaited<ReturnType<typeof startMetricsServer>>;

beforeAll(async () => {
  ({ w, proxy } = await startWorldBehindProxy());
  for (const uid of ["m1", "m2", "m3"]) {
    const dn = await w.slapd.addUser({ uid, givenName: "M", sn: uid, mail: `${uid}@example.com` });
    await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
  }
  await w.cycle();
  // one more user the target refuses for itself, and a cycle that says so
  const dn = await w.slapd.addUser({ uid: "m4", givenName: "M", sn: "m4", mail: "m4@example.com" });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
  proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 400, body: "no" });
  await w.cycle();
  server = await startMetricsServer({ host: "127.0.0.1", port: await freePort(), log: logger });
});
afterAll(async () => {
  await server?.close();
  await proxy?.stop();
  await w?.stop();
});

/** The value of one sample of the exposition, by name and labels (all of them, in any order). */
function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split("\n")) {
    const m = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const have = Object.fromEntries([...(m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => have[k] === v)) return Number(m[3]);
  }
  return undefined;
}

describe("metrics", () => {
  it("the worker's endpoint: cycles, phases, SCIM requests, health and records, in Prometheus text", async () => {
    const res = await fetch(`http://127.0.0.1:${server!.port}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await res.text();
    const ch = String(w.channelId);
    expect(sample(text, "ferry_cycles_total", { channel: ch, status: "SUCCESS" })).toBeGreaterThanOrEqual(1);
    expect(sample(text, "ferry_cycles_total", { channel: ch, status: "PARTIAL" })).toBe(1);
    expect(sample(text, "ferry_cycle_duration_seconds_count", { channel: ch, phase: "total" })).toBe(2);
    expect(sample(text, "ferry_cycle_duration_seconds_count", { channel: ch, phase: "users.read" })).toBe(2);
    // three creates acknowledged (201), one refused (400)
    expect(sample(text, "ferry_scim_requests_total", { channel: ch, method: "POST", resource: "Users", status: "201" })).toBe(3);
    expect(sample(text, "ferry_scim_requests_total", { channel: ch, method: "POST", resource: "Users", status: "400" })).toBe(1);
    expect(sample(text, "ferry_scim_request_duration_seconds_count", { channel: ch, method: "POST" })).toBeGreaterThanOrEqual(4);
    expect(sample(text, "ferry_records_pushed_total", { channel: ch, action: "CREATE" })).toBe(3);
    expect(sample(text, "ferry_record_failures_total", { channel: ch, cause: "record" })).toBe(1);
    // from the store
    expect(sample(text, "ferry_channel_health", { channel: ch, state: "degraded" })).toBe(1);
    expect(sample(text, "ferry_channel_health", { channel: ch, state: "healthy" })).toBe(0);
    expect(sample(text, "ferry_records", { channel: ch, kind: "user" })).toBe(4);
    expect(sample(text, "ferry_records_dirty", { channel: ch, kind: "user" })).toBe(1);
    expect(sample(text, "ferry_records_failing", { channel: ch, kind: "user" })).toBe(1);
    expect(sample(text, "ferry_channel_quarantine_until_timestamp_seconds", { channel: ch })).toBe(0);
    expect(sample(text, "ferry_change_lag_seconds", { channel: ch })).toBeGreaterThanOrEqual(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total /m);
  });

  it("the worker's probes: /healthz and /readyz (store reachable, every migration applied)", async () => {
    const live = await fetch(`http://127.0.0.1:${server!.port}/healthz`);
    expect(live.status).toBe(200);
    const ready = await fetch(`http://127.0.0.1:${server!.port}/readyz`);
    expect(ready.status).toBe(200);
    const body = await ready.json();
    expect(body).toMatchObject({ ok: true, checks: { database: { ok: true }, migrations: { ok: true } } });
    expect(body.checks.migrations.detail).toMatch(/^\d+ applied$/);
  });

  it("the console's /metrics asks for an API token; its probes do not, and say nothing about channels", async () => {
    expect((await callRoute(metricsRoute.GET as never, { path: "/metrics" })).status).toBe(401);
    const { token } = await createApiToken({ name: "prometheus", role: "viewer", actor: "test", via: "test" });
    const r = await callRoute(metricsRoute.GET as never, { path: "/metrics", token });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    const live = await callRoute(healthzRoute.GET as never, { path: "/healthz" });
    expect(live.status).toBe(200);
    const ready = await callRoute(readyzRoute.GET as never, { path: "/readyz" });
    expect(ready.status).toBe(200);
    expect(JSON.stringify(ready.body)).not.toContain("test channel");
  });
});
