// The provisioning log (issue 13): every request a cycle sends to the target is kept with
// its record, action, status, duration and redacted bodies; read newest first with
// filters and keyset pages, downloaded as CSV or JSON, and dropped whole days at a time
// past its retention. Real slapd, the Better Auth SCIM service behind a fault proxy,
// PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/api-tokens/create-api-token.ts";
import { getDb } from "../../lib/db/index.ts";
import { pruneProvisioningLog } from "../../lib/provisioning-log/partitions.ts";
import { listProvisioningLog } from "../../lib/provisioning-log/read.ts";
import { ProvisioningLogWriter } from "../../lib/provisioning-log/writer.ts";
import type { FaultProxy } from "../harness/fault-proxy.ts";
import { startWorldBehindProxy, userRecord, type TWorld } from "../helpers/fixture.ts";
import { callRoute } from "../helpers/route-call.ts";
import * as logRoute from "../../app/api/v1/channels/[id]/log/route.ts";
import * as exportRoute from "../../app/api/v1/channels/[id]/log/export/route.ts";

let w: TWorld;
let proxy: FaultProxy;
let token: string;

beforeAll(async () => {
  // each create preceded by its lookup, as lookup-first does (a first load by inventory would have none)
  ({ w, proxy } = await startWorldBehindProxy({ userMatching: "lookup-first" }));
  await w.cycle();
  const dns = [];
  for (const uid of ["alice", "bob", "carol"]) dns.push(await w.slapd.addUser({ uid, givenName: uid, sn: "Log", mail: `${uid}@example.com` }));
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
  // carol's create is refused
  proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 400, body: JSON.stringify({ detail: "title is too long", status: "400" }) });
  ({ token } = await createApiToken({ name: "log-reader", role: "viewer", actor: "test", via: "test" }));
});
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

describe("provisioning log", () => {
  let cycleId: string;

  it("keeps every request a cycle sent: record, action, method, path, status, duration, bodies", async () => {
    const r = await w.cycle();
    cycleId = String(r.cycleId);
    const { entries } = await listProvisioningLog(w.channelId, { cycle: cycleId, limit: 500 });
    expect(entries.length).toBe(r.stats.scimRequests);
    // newest first
    expect(entries.map((e) => e.at.getTime())).toEqual([...entries.map((e) => e.at.getTime())].sort((a, b) => b - a));
    // the target refused one of the three creates (whichever came first); the others went through
    const refused = entries.find((e) => e.status === 400)!.recordName!;
    const ok = ["alice", "bob", "carol"].find((u) => u !== refused)!;
    const mine = entries.filter((e) => e.recordName === ok);
    expect(mine.map((e) => e.action).sort()).toEqual(["create", "lookup"]);
    const create = mine.find((e) => e.action === "create")!;
    const rec = await userRecord(w.channelId, ok);
    expect(create).toMatchObject({ recordKind: "user", recordId: String(rec!.id), recordGuid: rec!.guid, method: "POST", path: "/Users", status: 201, attempt: 1, error: null });
    expect(create.durationMs).toBeGreaterThanOrEqual(0);
    expect(JSON.parse(create.requestBody!)).toMatchObject({ userName: ok });
    expect(JSON.parse(create.responseBody!)).toMatchObject({ userName: ok, id: rec!.scimId });
    expect(mine.find((e) => e.action === "lookup")).toMatchObject({ method: "GET", status: 200 });
    expect(mine.find((e) => e.action === "lookup")!.path).toMatch(/^\/Users\?filter=userName/);
    // the refused one, with the target's answer
    const failed = (await listProvisioningLog(w.channelId, { cycle: cycleId, failed: "1" })).entries;
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ method: "POST", status: 400, error: "fatal: 400", action: "create", recordName: refused });
    expect(failed[0]!.responseBody).toContain("title is too long");
    // no credential anywhere
    const all = JSON.stringify(entries);
    expect(all).not.toContain(w.scim.token);
  });

  it("filters by record, action and name, and pages with a cursor", async () => {
    const rec = await userRecord(w.channelId, "bob");
    const mine = await listProvisioningLog(w.channelId, { kind: "user", record: String(rec!.id) });
    expect(mine.entries.length).toBeGreaterThanOrEqual(2);
    expect(mine.entries.every((e) => e.recordName === "bob")).toBe(true);
    expect((await listProvisioningLog(w.channelId, { action: "create" })).entries.every((e) => e.action === "create")).toBe(true);
    const carol = (await listProvisioningLog(w.channelId, { q: "CAR" })).entries;
    expect(carol.length).toBeGreaterThan(0);
    expect(carol.every((e) => e.recordName === "carol")).toBe(true);

    const seen: string[] = [];
    let before: string | undefined;
    for (let i = 0; i < 50; i++) {
      const page = await listProvisioningLog(w.channelId, { limit: 2, before });
      seen.push(...page.entries.map((e) => e.id));
      if (!page.nextCursor) break;
      before = page.nextCursor;
    }
    const total = (await listProvisioningLog(w.channelId, { limit: 500 })).entries.length;
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
  });

  it("the API answers the same, and downloads CSV and JSON", async () => {
    const api = await callRoute(logRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/log?failed=1`, params: { id: String(w.channelId) } });
    expect(api.status).toBe(200);
    expect(api.body.entries.length).toBeGreaterThanOrEqual(1);
    expect(api.body.entries.every((e: any) => e.status === 0 || e.status >= 300)).toBe(true);
    const bad = await callRoute(logRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/log?before=first`, params: { id: String(w.channelId) } });
    expect(bad.status).toBe(400);

    const csv = await callRoute(exportRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/log/export?format=csv&cycle=${cycleId}`, params: { id: String(w.channelId) } });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename="ferry-channel-\d+-log-.*\.csv"/);
    const lines = String(csv.body).trim().split("\r\n");
    expect(lines[0]).toBe("at,cycleId,nodeId,recordKind,recordId,recordName,recordGuid,action,method,path,status,durationMs,attempt,error,requestBody,responseBody");
    const { entries } = await listProvisioningLog(w.channelId, { cycle: cycleId, limit: 500 });
    expect(lines).toHaveLength(entries.length + 1);
    const json = await callRoute(exportRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/log/export?format=json&cycle=${cycleId}`, params: { id: String(w.channelId) } });
    expect(json.status).toBe(200);
    expect(json.body).toHaveLength(entries.length);
    expect((await callRoute(exportRoute.GET as never, { path: `/api/v1/channels/${w.channelId}/log/export`, params: { id: String(w.channelId) } })).status).toBe(401);
  });

  it("retention drops whole days older than the limit, and keeps the rest", async () => {
    const db = await getDb();
    const old = new Date(Date.now() - 40 * 86_400_000);
    const writer = new ProvisioningLogWriter(db, { channelId: w.channelId, nodeId: null, cycleId: null });
    for (let i = 0; i < 3; i++) {
      writer.add({ at: old, recordKind: null, recordId: null, recordName: "old", recordGuid: null, action: "lookup", method: "GET", path: "/Users", status: 200, durationMs: 1, attempt: 1, error: null, requestBody: null, responseBody: null });
    }
    await writer.close();
    expect(writer.written).toBe(3);
    const day = old.toISOString().slice(0, 10).replace(/-/g, "");
    const [row] = await db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM "provisioning_log_${day}"`);
    expect(Number(row!.n)).toBe(3);
    const before = (await listProvisioningLog(w.channelId, { limit: 500 })).entries.length;
    const dropped = await pruneProvisioningLog(db, 30);
    expect(dropped).toContain(`provisioning_log_${day}`);
    const after = (await listProvisioningLog(w.channelId, { limit: 500 })).entries;
    expect(after).toHaveLength(before - 3);
    expect(after.some((e) => e.recordName === "old")).toBe(false);
  });
});
