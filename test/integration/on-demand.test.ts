// Explain and provision on demand (issue 13) for one user, against real slapd (memberOf
// computed through nested groups by slapo-dynlist), the Better Auth SCIM service behind a
// fault proxy, and PostgreSQL.
import { Client } from "ldapts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/api-tokens/create-api-token.ts";
import { getDb } from "../../lib/db/index.ts";
import * as explainRoute from "../../app/api/v1/channels/[id]/explain/route.ts";
import * as onDemandRoute from "../../app/api/v1/channels/[id]/provision-on-demand/route.ts";
import { callRoute } from "../helpers/route-call.ts";
import { provmgr } from "./provmgr.helpers.ts";
import { rejectDeprovisioning } from "../../lib/channels/decide-deprovisioning.ts";
import { explainUser } from "../../lib/channels/explain-user.ts";
import { provisionOnDemand } from "../../lib/channels/provision-on-demand.ts";
import { listProvisioningLog } from "../../lib/provisioning-log/read.ts";
import { Lease, LeaseHeldError } from "../../lib/sync/lease.ts";
import { runCycle } from "../../lib/sync/run-cycle.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;
let proxy: FaultProxy;
let group: string;
let team: string;
const dns: Record<string, string> = {};
const actor = { actor: "tester", via: "test" as const };

async function targetUser(userName: string) {
  const res = await fetch(`${w.scim.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, { headers: { authorization: `Bearer ${w.scim.token}` } });
  const body = (await res.json()) as { Resources?: Array<Record<string, any>> };
  return body.Resources?.[0] ?? null;
}

beforeAll(async () => {
  w = await startWorld({
    slapd: { memberOf: "dynlist-nested" },
    configure: (cfg) => {
      cfg.source.nestedGroups = true;
    },
  });
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => {
    c.target.url = proxy.baseUrl;
    c.target.maxRetries = 0;
  });
  group = `cn=app-users,${w.slapd.groupsDn}`;
  team = await w.slapd.addGroup("team", []);
  for (const uid of ["anna", "dora", "nick", "otto"]) {
    dns[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Demand", mail: `${uid}@example.com` });
  }
  await w.slapd.modify(dns.dora!, { employeeType: "disabled" });
  await w.slapd.addMembers(group, [dns.anna!, dns.dora!, team]);
  await w.slapd.addMembers(team, [dns.nick!]);
  // a member of the group who lives outside the channel's base DN
  const admin = new Client({ url: w.slapd.url });
  await admin.bind(w.slapd.adminDn, w.slapd.adminPassword);
  dns.outsider = `uid=outsider,${w.slapd.systemDn}`;
  await admin.add(dns.outsider!, { objectClass: ["top", "person", "organizationalPerson", "inetOrgPerson"], uid: "outsider", sn: "Out", cn: "Out Sider", mail: "outsider@example.com" });
  await admin.unbind();
  await w.slapd.addMembers(group, [dns.outsider!]);
});
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

describe("explain", () => {
  it("a user in scope, never stored: every rule says why, the mapped values, the rulebook's CREATE", async () => {
    const ex = await explainUser({ channelId: w.channelId, user: { auto: "anna" } });
    expect(ex.found).toMatchObject({ dn: dns.anna, by: "name" });
    expect(ex.inScope).toBe(true);
    expect(ex.disabled).toBe(false);
    expect(ex.checks.map((c) => [c.rule, c.ok])).toEqual([
      ["base", true],
      ["object", true],
      ["group", true],
      ["scope", true],
      ["disabled", true],
    ]);
    expect(ex.checks.find((c) => c.rule === "group")!.says).toContain("a direct member");
    expect(ex.memberPath).toEqual([group]);
    expect(ex.mapped!.values).toMatchObject({ userName: "anna" });
    expect(ex.record).toBeNull();
    expect(ex.decision.action).toBe("CREATE");
    // read-only: nothing stored, nothing sent
    expect(await userRecord(w.channelId, "anna")).toBeNull();
    expect(await targetUser("anna")).toBeNull();
  });

  it("by DN and by GUID the same user; the store's record, values changed since the target acknowledged, and the log", async () => {
    await w.cycle();
    const rec = (await userRecord(w.channelId, "anna"))!;
    expect(rec.targetState).toBe("ACTIVE");
    await w.slapd.modify(dns.anna!, { sn: "Changed" });
    const byDn = await explainUser({ channelId: w.channelId, user: { dn: dns.anna! } });
    const byGuid = await explainUser({ channelId: w.channelId, user: { auto: rec.guid } });
    expect(byDn.found!.by).toBe("dn");
    expect(byGuid.found!.by).toBe("guid");
    expect(byGuid.found!.dn.toLowerCase()).toBe(dns.anna!.toLowerCase());
    expect(byDn.record).toMatchObject({ id: String(rec.id), targetState: "ACTIVE", dirty: false, pendingAction: "NONE" });
    expect(byDn.mapped!.changed).toContainEqual(expect.objectContaining({ attribute: "name.familyName", acknowledged: "Demand", now: "Changed" }));
    expect(byDn.decision.action).toBe("UPDATE");
    expect(byDn.log.length).toBeGreaterThanOrEqual(1);
    expect(byDn.log.every((e) => e.recordId === String(rec.id))).toBe(true);
  });

  it("a nested member: the path through the nested group", async () => {
    const ex = await explainUser({ channelId: w.channelId, user: { auto: "nick" } });
    expect(ex.inScope).toBe(true);
    expect(ex.memberPath).toEqual([group, team]);
    expect(ex.checks.find((c) => c.rule === "group")!.says).toContain(`through nested group ${team}`);
  });

  it("not a member of the provisioning group", async () => {
    const ex = await explainUser({ channelId: w.channelId, user: { auto: "otto" } });
    expect(ex.found!.dn).toBe(dns.otto);
    expect(ex.inScope).toBe(false);
    expect(ex.memberPath).toBeNull();
    const g = ex.checks.find((c) => c.rule === "group")!;
    expect(g.ok).toBe(false);
    expect(g.says).toContain("not a member");
    expect(ex.summary).toMatch(/^out of scope: not a member/);
    expect(ex.decision.action).toBe("NONE");
  });

  it("outside the base DN, though a member of the group", async () => {
    const ex = await explainUser({ channelId: w.channelId, user: { auto: "outsider" } });
    expect(ex.found!.dn.toLowerCase()).toBe(dns.outsider!.toLowerCase());
    expect(ex.checks.find((c) => c.rule === "base")).toMatchObject({ ok: false });
    expect(ex.checks.find((c) => c.rule === "group")).toMatchObject({ ok: true });
    expect(ex.inScope).toBe(false);
    expect(ex.summary).toContain("outside the base DN");
  });

  it("disabled by the channel's rule", async () => {
    const ex = await explainUser({ channelId: w.channelId, user: { auto: "dora" } });
    expect(ex.inScope).toBe(true);
    expect(ex.disabled).toBe(true);
    expect(ex.checks.find((c) => c.rule === "disabled")).toMatchObject({ ok: false, says: "disabled by the rule employeeType=disabled" });
  });

  it("no such user", async () => {
    const ex = await explainUser({ channelId: w.channelId, user: { auto: "nobody-here" } });
    expect(ex.found).toBeNull();
    expect(ex.summary).toContain("not found");
  });
});

describe("provision on demand", () => {
  it("creates a user not yet in the store: at the target, stored, in the provisioning log without a cycle", async () => {
    const r = await provisionOnDemandNew("ben2");
    expect(r.steps.map((s) => s.step)).toEqual(["import", "scope", "decide", "match", "action", "result"]);
    expect(r.steps.every((s) => s.ok)).toBe(true);
    expect(r).toMatchObject({ action: "CREATE", ok: true });
    const at = await targetUser("ben2");
    expect(at).toMatchObject({ userName: "ben2", active: true });
    const rec = (await userRecord(w.channelId, "ben2"))!;
    expect(rec).toMatchObject({ targetState: "ACTIVE", dirty: false, scimId: at!.id, sourceState: "IN_SCOPE" });
    expect(r.recordId).toBe(String(rec.id));
    const { entries } = await listProvisioningLog(w.channelId, { kind: "user", record: String(rec.id) });
    expect(entries.map((e) => e.action).sort()).toEqual(["create", "lookup", "lookup"]);
    expect(entries.every((e) => e.cycleId === null && e.recordName === "ben2" && e.recordGuid === rec.guid)).toBe(true);
    // audited; and the lease is free again
    const db = await getDb();
    expect(await db.auditLog.count({ where: { channelId: w.channelId, action: "provision-on-demand" } })).toBeGreaterThanOrEqual(1);
    const lease = await Lease.acquire({ db, channelId: w.channelId, durationSec: 5 });
    await lease.release();
  });

  it("updates after a mapped change", async () => {
    await w.slapd.modify(dns.ben2!, { givenName: "Benjamin" });
    const r = await provisionOnDemand({ channelId: w.channelId, user: { dn: dns.ben2! }, ...actor });
    expect(r).toMatchObject({ action: "UPDATE", ok: true });
    expect(r.steps.find((s) => s.step === "decide")!.details!.changed).toContainEqual(expect.objectContaining({ attribute: "name.givenName", now: "Benjamin" }));
    const rec = (await userRecord(w.channelId, "ben2"))!;
    expect((rec.pushedValues as Record<string, unknown>)["name.givenName"]).toBe("Benjamin");
    const { entries } = await listProvisioningLog(w.channelId, { kind: "user", record: String(rec.id), action: "update" });
    expect(entries).toHaveLength(1);
    expect(entries[0]!.requestBody).toContain("Benjamin");
    // again: nothing to send
    const again = await provisionOnDemand({ channelId: w.channelId, user: { auto: "ben2" }, ...actor });
    expect(again).toMatchObject({ action: "NONE", ok: true });
    expect(again.steps.find((s) => s.step === "action")!.says).toMatch(/^nothing to send/);
  });

  it("disables a user the directory disabled: one user, within the guard", async () => {
    await w.slapd.modify(dns.ben2!, { employeeType: "disabled" });
    const r = await provisionOnDemand({ channelId: w.channelId, user: { auto: "ben2" }, ...actor });
    expect(r).toMatchObject({ action: "DISABLE", ok: true });
    expect(r.steps.find((s) => s.step === "decide")!.says).toContain("within the deprovisioning guard");
    expect((await targetUser("ben2"))!.active).toBe(false);
    expect(await userRecord(w.channelId, "ben2")).toMatchObject({ targetState: "INACTIVE", sourceState: "DISABLED", dirty: false });
  });

  it("a user the directory does not have: nothing sent", async () => {
    const before = proxy.log.length;
    const r = await provisionOnDemand({ channelId: w.channelId, user: { auto: "ghost" }, ...actor });
    expect(r).toMatchObject({ action: "NONE", ok: true });
    expect(r.steps).toEqual([{ step: "import", ok: false, says: "not found: nothing sent; a full read decides, through the guard" }]);
    expect(proxy.log.length).toBe(before);
  });

  it("an out-of-scope user: nothing sent, the guard's cycle decides", async () => {
    const before = proxy.log.length;
    const r = await provisionOnDemand({ channelId: w.channelId, user: { auto: "otto" }, ...actor });
    expect(r.action).toBe("NONE");
    expect(r.steps.find((s) => s.step === "scope")).toMatchObject({ ok: false });
    expect(proxy.log.length).toBe(before);
    expect(await userRecord(w.channelId, "otto")).toBeNull();
  });

  it("waits for a cycle holding the lease, or refuses with CYCLE_RUNNING; never runs beside one", async () => {
    const db = await getDb();
    dns.lena = await w.slapd.addUser({ uid: "lena", givenName: "Lena", sn: "Demand", mail: "lena@example.com" });
    await w.slapd.addMembers(team, [dns.lena]);
    const held = await Lease.acquire({ db, channelId: w.channelId, durationSec: 30 });
    try {
      await expect(provisionOnDemand({ channelId: w.channelId, user: { auto: "lena" }, waitMs: 600, ...actor })).rejects.toMatchObject({ code: "CYCLE_RUNNING" });
      expect(await userRecord(w.channelId, "lena")).toBeNull();
    } finally {
      // the cycle ends while the next one waits: it goes on
      setTimeout(() => void held.release(), 700);
    }
    const r = await provisionOnDemand({ channelId: w.channelId, user: { auto: "lena" }, waitMs: 10_000, ...actor });
    expect(r).toMatchObject({ action: "CREATE", ok: true });
    expect(r.waitedMs).toBeGreaterThanOrEqual(500);
    // and while it sends, a cycle of the channel cannot start
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, delayMs: 1500 });
    await w.slapd.addMembers(team, [dns.otto!]);
    const running = provisionOnDemand({ channelId: w.channelId, user: { auto: "otto" }, ...actor });
    await new Promise((res) => setTimeout(res, 700));
    await expect(runCycle({ channelId: w.channelId, trigger: "test" })).rejects.toBeInstanceOf(LeaseHeldError);
    expect(await running).toMatchObject({ action: "CREATE", ok: true });
  });

  it("a target that answers 400: the step says so, the record stays dirty with the error", async () => {
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 400, body: JSON.stringify({ detail: "displayName is not allowed", status: "400" }) });
    const r2 = await provisionOnDemandNew("petra");
    expect(r2).toMatchObject({ action: "CREATE", ok: false });
    const action = r2.steps.find((s) => s.step === "action")!;
    expect(action.ok).toBe(false);
    expect(action.says).toContain("displayName is not allowed");
    expect(r2.steps.find((s) => s.step === "result")!.says).toContain("stays dirty");
    const rec = (await userRecord(w.channelId, "petra"))!;
    expect(rec).toMatchObject({ dirty: true, pendingAction: "CREATE", targetState: "ABSENT", attempts: 1 });
    expect(rec.lastError).toContain("displayName is not allowed");
    expect(await targetUser("petra")).toBeNull();
  });
});

async function provisionOnDemandNew(uid: string) {
  dns[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Demand", mail: `${uid}@example.com` });
  await w.slapd.addMembers(group, [dns[uid]!]);
  return provisionOnDemand({ channelId: w.channelId, user: { auto: uid }, ...actor });
}

describe("the API", () => {
  it("explains for a viewer; provisions on demand for an operator only", async () => {
    const viewer = (await createApiToken({ name: "od-viewer", role: "viewer", actor: "test", via: "test" })).token;
    const operator = (await createApiToken({ name: "od-operator", role: "operator", actor: "test", via: "test" })).token;
    const params = { id: String(w.channelId) };
    const ex = await callRoute(explainRoute.GET as never, { token: viewer, path: `/api/v1/channels/${w.channelId}/explain?user=${encodeURIComponent(dns.nick!)}`, params });
    expect(ex.status).toBe(200);
    expect(ex.body).toMatchObject({ inScope: true, memberPath: [group, team], found: { by: "dn" } });
    const forced = await callRoute(explainRoute.GET as never, { token: viewer, path: `/api/v1/channels/${w.channelId}/explain?user=nick&by=guid`, params });
    expect(forced.body.found).toBeNull();
    expect((await callRoute(explainRoute.GET as never, { token: viewer, path: `/api/v1/channels/${w.channelId}/explain`, params })).status).toBe(400);

    dns.vera = await w.slapd.addUser({ uid: "vera", givenName: "Vera", sn: "Demand", mail: "vera@example.com" });
    await w.slapd.addMembers(group, [dns.vera]);
    const path = `/api/v1/channels/${w.channelId}/provision-on-demand`;
    expect((await callRoute(onDemandRoute.POST as never, { token: viewer, path, params, body: { user: "vera" } })).status).toBe(403);
    const r = await callRoute(onDemandRoute.POST as never, { token: operator, path, params, body: { user: "vera" } });
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ action: "CREATE", ok: true });
    expect(r.body.steps.map((s: { step: string }) => s.step)).toEqual(["import", "scope", "decide", "match", "action", "result"]);
    expect(await targetUser("vera")).toMatchObject({ userName: "vera" });
    // a cycle holding the lease: 409 CYCLE_RUNNING once the wait is over
    const held = await Lease.acquire({ db: await getDb(), channelId: w.channelId, durationSec: 60 });
    try {
      const busy = await callRoute(onDemandRoute.POST as never, { token: operator, path, params, body: { user: "vera" } });
      expect(busy.status).toBe(409);
      expect(busy.body.error).toMatchObject({ code: "CYCLE_RUNNING" });
      expect(busy.body.error.message).toContain("try again");
    } finally {
      await held.release();
    }
  }, 30_000);
});

describe("provmgr", () => {
  it("--explain-user and --provision-user, by name and by DN, in text and JSON", async () => {
    const ex = await provmgr(["-c", String(w.channelId), "--explain-user", "-u", "otto"]);
    expect(ex.code).toBe(0);
    // otto joined the team group in the lease test: in scope through it
    expect(ex.stdout).toContain(`path: ${group} → ${team}`);
    expect(ex.stdout).toMatch(/Decision: NONE/);

    dns.walt = await w.slapd.addUser({ uid: "walt", givenName: "Walt", sn: "Demand", mail: "walt@example.com" });
    await w.slapd.addMembers(group, [dns.walt]);
    const r = await provmgr(["-c", String(w.channelId), "--provision-user", "-u", dns.walt, "--json"]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ command: "provision-user", action: "CREATE", ok: true });
    expect(await targetUser("walt")).toMatchObject({ userName: "walt" });
    const text = await provmgr(["-c", String(w.channelId), "--provision-user", "-u", "walt"]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/1\. import +ok +read uid=walt/);
    expect(text.stdout).toContain("Done: nothing sent.");
    const ghost = await provmgr(["-c", String(w.channelId), "--provision-user", "-u", "ghost"]);
    expect(ghost.stdout).toContain("not found: nothing sent; a full read decides, through the guard");
  }, 60_000);
});

describe("the deprovisioning guard", () => {
  it("holds even one disabled user when the channel's limits say so, and a held user waits for the hold's approval", async () => {
    await w.reconfigure((c) => {
      c.options.maxDeprovisionPercent = 0;
      c.options.deprovisionGuardMinimum = 0;
    });
    await w.slapd.modify(dns.anna!, { employeeType: "disabled" });
    const r = await provisionOnDemand({ channelId: w.channelId, user: { auto: "anna" }, ...actor });
    expect(r.action).toBe("NONE");
    expect(r.steps.find((s) => s.step === "decide")!.says).toContain("the deprovisioning guard holds even one");
    expect(await targetUser("anna")).toMatchObject({ active: true });
    expect(await userRecord(w.channelId, "anna")).toMatchObject({ sourceState: "DISABLED", targetState: "ACTIVE", pendingAction: "NONE" });

    // the cycle's guard holds it for approval; explain says so, and provision now leaves it to the approval
    await w.cycle();
    const rec = (await userRecord(w.channelId, "anna"))!;
    expect(rec.holdId).not.toBeNull();
    const ex = await explainUser({ channelId: w.channelId, user: { auto: "anna" } });
    expect(ex.hold).toMatchObject({ id: String(rec.holdId), status: "HELD" });
    expect(ex.record!.holdId).toBe(String(rec.holdId));
    const again = await provisionOnDemand({ channelId: w.channelId, user: { auto: "anna" }, ...actor });
    expect(again.action).toBe("NONE");
    expect(again.steps.find((s) => s.step === "decide")!.says).toContain(`held for approval in deprovisioning hold #${rec.holdId}`);
    expect(await targetUser("anna")).toMatchObject({ active: true });

    // rejected: explain says she is kept, and provision now does not disable her either
    await rejectDeprovisioning({ channelId: w.channelId, holdId: rec.holdId!, count: 1, actor: "alice", via: "test" });
    const kept = await explainUser({ channelId: w.channelId, user: { auto: "anna" } });
    expect(kept.hold).toMatchObject({ status: "REJECTED" });
    expect(kept.decision).toMatchObject({ action: "NONE", says: expect.stringContaining("kept at the target: an administrator rejected its disable") });
    const refused = await provisionOnDemand({ channelId: w.channelId, user: { auto: "anna" }, ...actor });
    expect(refused.action).toBe("NONE");
    expect(refused.steps.find((s) => s.step === "decide")!.says).toContain(`kept at the target: an administrator rejected its disable (hold #${rec.holdId})`);
    await w.cycle();
    expect(await targetUser("anna")).toMatchObject({ active: true });
  }, 30_000);
});
