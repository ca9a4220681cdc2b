// The console polish of issue 14 (part 7), through the API routes as Next.js calls them,
// against a real PostgreSQL database: deleting a channel (roles, CSRF, the typed name, a
// running cycle, what goes with it, the audit entry); what a channel update changed in
// the audit log, secrets masked; the audit export (CSV and JSON, filtered, every page,
// admins only); sign-ins, failures, lockouts and connection tests in the audit log; and
// where a sign-in may send the browser back to.
import { randomBytes } from "node:crypto";
import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as auditExport from "@/app/api/v1/audit/export/route";
import * as audit from "@/app/api/v1/audit/route";
import * as channelRoute from "@/app/api/v1/channels/[id]/route";
import * as sourceTest from "@/app/api/v1/connection-tests/source/route";
import { createApiToken } from "@/lib/api-tokens/create-api-token";
import { recordAudit } from "@/lib/audit/record-audit";
import { resetAuthEnvCache } from "@/lib/auth/auth-env";
import { getAuthSecret } from "@/lib/auth/auth-secret";
import { csrfTokenFor } from "@/lib/auth/csrf";
import { getAuthOptions } from "@/lib/auth/next-auth-options";
import { RETURN_PATH_HEADER } from "@/lib/auth/return-path";
import type { TRole } from "@/lib/auth/roles";
import { hashSessionId } from "@/lib/auth/session-id";
import { signIn } from "@/lib/auth/sign-in";
import { applyChannelConfig } from "@/lib/channels/apply-channel-config";
import { createConsoleUser } from "@/lib/console-users/create-console-user";
import { getDb } from "@/lib/db/index";
import { proxy } from "@/proxy";
import { useTestDatabase } from "../../devkit/test-database.ts";
import { callRoute, type THandler } from "../helpers/route-call.ts";

const BIND_PASSWORD = "bind-Pa55word-that-must-not-leak";
const NEW_BIND_PASSWORD = "another-Bind-Secret-never-logged";
const SCIM_TOKEN = "scim-token-that-must-not-leak-123456";
let db: Awaited<ReturnType<typeof useTestDatabase>>;
const tokens = {} as Record<TRole, string>;
const passwords = {} as Record<TRole, string>;

async function sessionCookie(role: TRole): Promise<{ cookie: string; csrf: string }> {
  const { sessionId } = await signIn({ username: role, password: passwords[role], ip: "10.0.0.1" });
  const jwt = await encode({ token: { sid: sessionId, name: role }, secret: getAuthSecret() });
  return { cookie: `next-auth.session-token=${jwt}`, csrf: csrfTokenFor(hashSessionId(sessionId)) };
}

async function makeChannel(name: string): Promise<number> {
  const r = await applyChannelConfig({
    actor: "test",
    via: "test",
    config: {
      name,
      connectionId: name.replace(/\W+/g, "-"),
      active: false,
      source: { url: "ldap://127.0.0.1:1", bindDn: "cn=admin,dc=example,dc=com", bindPassword: BIND_PASSWORD, baseDn: "ou=people,dc=example,dc=com", filter: "(objectClass=person)" },
      target: { url: "http://127.0.0.1:1/scim/v2", auth: { type: "bearer", token: SCIM_TOKEN } },
    },
  });
  return r.id;
}

/** A store for the channel: users, a group with members, cycles and a hold covering a user. */
async function fillStore(channelId: number): Promise<void> {
  const prisma = await getDb();
  const users = await Promise.all(
    [1, 2, 3].map((i) => prisma.userRecord.create({ data: { channelId, guid: `g-${channelId}-${i}`, dn: `uid=u${i},ou=people,dc=example,dc=com`, providerName: `u${i}` } })),
  );
  const group = await prisma.groupRecord.create({ data: { channelId, guid: `grp-${channelId}`, dn: "cn=g,dc=example,dc=com", memberDns: users.map((u) => u.dn) } });
  await prisma.groupMember.createMany({ data: users.map((u) => ({ groupId: group.id, userId: u.id })) });
  await prisma.cycle.create({ data: { channelId, kind: "full", status: "SUCCESS" } });
  await prisma.cycle.create({ data: { channelId, kind: "incremental", status: "FAILED" } });
  const hold = await prisma.deprovisionHold.create({ data: { channelId, kind: "user", rule: "disable", reason: "test", count: 1, base: 3 } });
  await prisma.userRecord.update({ where: { id: users[0]!.id }, data: { holdId: hold.id } });
}

async function storeCounts(channelId: number): Promise<Record<string, number>> {
  const [row] = await (await getDb()).$queryRawUnsafe<Array<Record<string, bigint>>>(
    `SELECT (SELECT count(*) FROM channel WHERE id = $1) AS channel,
            (SELECT count(*) FROM user_record WHERE channel_id = $1) AS users,
            (SELECT count(*) FROM group_record WHERE channel_id = $1) AS groups,
            (SELECT count(*) FROM group_member m JOIN group_record g ON g.id = m.group_id WHERE g.channel_id = $1) AS members,
            (SELECT count(*) FROM cycle WHERE channel_id = $1) AS cycles,
            (SELECT count(*) FROM deprovision_hold WHERE channel_id = $1) AS holds`,
    channelId,
  );
  return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)]));
}

beforeAll(async () => {
  db = await useTestDatabase();
  process.env.NEXTAUTH_SECRET = randomBytes(32).toString("base64url");
  delete process.env.NEXTAUTH_URL;
  resetAuthEnvCache();
  for (const role of ["admin", "operator", "viewer"] as const) {
    passwords[role] = `Pw-${randomBytes(8).toString("hex")}`;
    await createConsoleUser({ username: role, displayName: role, role, password: passwords[role], actor: "test", via: "test" });
    tokens[role] = (await createApiToken({ name: `${role}-bot`, role, actor: "test", via: "test" })).token;
  }
  await (await getDb()).consoleUser.updateMany({ data: { mustChangePassword: false } });
});

afterAll(async () => {
  await db?.cleanup();
});

describe("deleting a channel", () => {
  it("is for admins only, and a console session needs the CSRF token", async () => {
    const id = await makeChannel("keep me");
    const del = (opts: Parameters<typeof callRoute>[1]) => callRoute(channelRoute.DELETE as THandler, { method: "DELETE", params: { id: String(id) }, body: { confirm: "keep me" }, ...opts });
    expect((await del({ token: tokens.viewer })).status).toBe(403);
    expect((await del({ token: tokens.operator })).status).toBe(403);
    expect((await del({})).status).toBe(401);
    const admin = await sessionCookie("admin");
    const noCsrf = await del({ cookie: admin.cookie, headers: { origin: "http://console.test" } });
    expect(noCsrf.status).toBe(403);
    expect(noCsrf.body.error.code).toBe("CSRF");
    // from another site, even with the token
    expect((await del({ cookie: admin.cookie, headers: { origin: "https://evil.example", "x-csrf-token": admin.csrf } })).status).toBe(403);
    expect((await storeCounts(id)).channel).toBe(1);
  });

  it("needs the channel's name typed exactly", async () => {
    const id = await makeChannel("Payroll");
    for (const confirm of ["payroll", "Payroll ", "", "1"]) {
      const r = await callRoute(channelRoute.DELETE as THandler, { method: "DELETE", params: { id: String(id) }, body: { confirm }, token: tokens.admin });
      expect({ confirm, status: r.status }).toEqual({ confirm, status: 400 });
    }
    const missing = await callRoute(channelRoute.DELETE as THandler, { method: "DELETE", params: { id: String(id) }, body: {}, token: tokens.admin });
    expect(missing.status).toBe(400);
    expect((await storeCounts(id)).channel).toBe(1);
  });

  it("is refused while a cycle runs, and goes through once its lease has ended", async () => {
    const id = await makeChannel("busy");
    const prisma = await getDb();
    await prisma.$executeRawUnsafe(`UPDATE channel SET lease_owner = 3, lease_token = lease_token + 1, lease_expires_at = now() + interval '30 seconds' WHERE id = $1`, id);
    const r = await callRoute(channelRoute.DELETE as THandler, { method: "DELETE", params: { id: String(id) }, body: { confirm: "busy" }, token: tokens.admin });
    expect(r.status).toBe(409);
    expect(r.body.error.code).toBe("CYCLE_RUNNING");
    expect(r.body.error.message).toMatch(/running on node 3: deactivate the channel/);
    expect((await storeCounts(id)).channel).toBe(1);
    // the lease ran out (the node died, or the cycle ended without releasing it)
    await prisma.$executeRawUnsafe(`UPDATE channel SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, id);
    const ok = await callRoute(channelRoute.DELETE as THandler, { method: "DELETE", params: { id: String(id) }, body: { confirm: "busy" }, token: tokens.admin });
    expect(ok.status).toBe(200);
  });

  it("takes its records, memberships, cycles and holds with it, leaves other channels alone, and is audited with the name", async () => {
    const id = await makeChannel("Acme Wiki");
    const other = await makeChannel("Other app");
    await fillStore(id);
    await fillStore(other);
    expect(await storeCounts(id)).toEqual({ channel: 1, users: 3, groups: 1, members: 3, cycles: 2, holds: 1 });
    const admin = await sessionCookie("admin");
    const r = await callRoute(channelRoute.DELETE as THandler, {
      method: "DELETE",
      params: { id: String(id) },
      body: { confirm: "Acme Wiki" },
      cookie: admin.cookie,
      headers: { origin: "http://console.test", "x-csrf-token": admin.csrf },
    });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ id, name: "Acme Wiki", users: 3, groups: 1, cycles: 2, holds: 1 });
    expect(await storeCounts(id)).toEqual({ channel: 0, users: 0, groups: 0, members: 0, cycles: 0, holds: 0 });
    expect(await storeCounts(other)).toEqual({ channel: 1, users: 3, groups: 1, members: 3, cycles: 2, holds: 1 });
    const gone = await callRoute(channelRoute.GET as THandler, { params: { id: String(id) }, token: tokens.admin });
    expect(gone.status).toBe(404);
    const again = await callRoute(channelRoute.DELETE as THandler, { method: "DELETE", params: { id: String(id) }, body: { confirm: "Acme Wiki" }, token: tokens.admin });
    expect(again.status).toBe(404);

    const log = await callRoute(audit.GET as THandler, { path: `/api/v1/audit?action=channel.delete&channelId=${id}`, token: tokens.viewer });
    expect(log.body.items).toHaveLength(1);
    expect(log.body.items[0]).toMatchObject({
      actor: "admin",
      via: "console",
      channelId: id,
      channelName: null,
      details: { name: "Acme Wiki", users: 3, groups: 1, cycles: 2, holds: 1 },
    });
  });
});

describe("a channel update in the audit log", () => {
  it("says which settings changed, with before and after, and masks the secrets", async () => {
    const id = await makeChannel("diffed");
    const put = (config: Record<string, unknown>) => callRoute(channelRoute.PUT as THandler, { method: "PUT", params: { id: String(id) }, body: { config }, token: tokens.admin });
    const base = {
      name: "diffed",
      connectionId: "diffed",
      active: false,
      source: { url: "ldap://127.0.0.1:1", bindDn: "cn=admin,dc=example,dc=com", baseDn: "ou=staff,dc=example,dc=com", filter: "(objectClass=person)" },
      target: { url: "http://127.0.0.1:1/scim/v2", auth: { type: "bearer", token: { keep: true } } },
      syncFrequencySec: 120,
    };
    // a new scope, a new frequency, a new bind password; the SCIM token kept
    const r = await put({ ...base, source: { ...base.source, bindPassword: NEW_BIND_PASSWORD } });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    const log = await callRoute(audit.GET as THandler, { path: `/api/v1/audit?action=channel.update&channelId=${id}`, token: tokens.admin });
    const entry = log.body.items[0];
    expect(entry.details.scopeChanged).toBe(true);
    const changes = entry.details.changes as Array<Record<string, unknown>>;
    expect(changes).toContainEqual({ field: "source.baseDn", from: "ou=people,dc=example,dc=com", to: "ou=staff,dc=example,dc=com" });
    expect(changes).toContainEqual({ field: "syncFrequencySec", from: 60, to: 120 });
    expect(changes).toContainEqual({ field: "source.bindPassword", secret: "changed", from: "********", to: "********" });
    // the kept token did not change, so it is not listed
    expect(changes.map((c) => c.field)).not.toContain("target.auth.token");
    const text = JSON.stringify(log.body);
    for (const secret of [BIND_PASSWORD, NEW_BIND_PASSWORD, SCIM_TOKEN, "enc:v1:"]) expect(text).not.toContain(secret);

    // the same password typed again is encrypted anew, but it is no change
    const same = await put({ ...base, source: { ...base.source, bindPassword: NEW_BIND_PASSWORD } });
    expect(same.status).toBe(200);
    const log2 = await callRoute(audit.GET as THandler, { path: `/api/v1/audit?action=channel.update&channelId=${id}`, token: tokens.admin });
    expect(log2.body.items[0].details.changes).toEqual([]);
  });
});

describe("exporting the audit log", () => {
  let channelId = 0;
  beforeAll(async () => {
    channelId = await makeChannel("exported");
    // more entries than one page of the export (500), with text a CSV must quote or defuse
    for (let i = 0; i < 620; i++) {
      await recordAudit({ actor: i === 0 ? '=cmd|"calc"!A1, "quoted"' : `bot-${i % 3}`, via: "api", channelId, action: "export-test", details: { i, note: "a,b\nc" } });
    }
  });

  it("is for admins only", async () => {
    for (const role of ["viewer", "operator"] as const) {
      expect((await callRoute(auditExport.GET as THandler, { path: "/api/v1/audit/export?format=csv", token: tokens[role] })).status).toBe(403);
    }
    expect((await callRoute(auditExport.GET as THandler, { path: "/api/v1/audit/export?format=xml", token: tokens.admin })).status).toBe(400);
  });

  it("downloads every matching entry as JSON, newest first, across pages", async () => {
    const r = await callRoute(auditExport.GET as THandler, { path: `/api/v1/audit/export?format=json&action=export-test&channelId=${channelId}`, token: tokens.admin });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("application/json");
    expect(r.headers.get("content-disposition")).toMatch(/^attachment; filename="ferry-audit-.*\.json"$/);
    const items = r.body as Array<{ id: string; actor: string; action: string; channelName: string; details: { i: number } }>;
    expect(items).toHaveLength(620);
    expect(items.map((e) => e.details.i)).toEqual(Array.from({ length: 620 }, (_, k) => 619 - k));
    expect(new Set(items.map((e) => e.channelName))).toEqual(new Set(["exported"]));
    // filtered by actor too
    const one = await callRoute(auditExport.GET as THandler, { path: `/api/v1/audit/export?format=json&actor=bot-1`, token: tokens.admin });
    expect((one.body as unknown[]).length).toBe(207);
  });

  it("downloads CSV: a header, one row per entry, quoted, formulas defused", async () => {
    const r = await callRoute(auditExport.GET as THandler, { path: `/api/v1/audit/export?format=csv&action=export-test`, token: tokens.admin });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toContain("text/csv");
    const text = r.body as string;
    const lines = text.split("\r\n");
    expect(lines[0]).toBe("id,at,actor,via,channel_id,channel_name,action,details");
    // 620 rows (a details cell is JSON on one line: its newlines are escaped)
    expect(text.match(/,export-test,/g)).toHaveLength(620);
    // the oldest (last) row: its actor starts with '=', so it is prefixed with ' and quoted
    expect(text).toContain(`,"'=cmd|""calc""!A1, ""quoted""",api,${channelId},exported,export-test,"{""i"":0,""note"":""a,b\\nc""}"\r\n`);
  });

  it("is itself in the audit log", async () => {
    const log = await callRoute(audit.GET as THandler, { path: "/api/v1/audit?action=audit.export", token: tokens.admin });
    expect(log.body.items.length).toBeGreaterThanOrEqual(3);
    expect(log.body.items[0]).toMatchObject({ actor: "token:admin-bot", via: "api", details: { format: "csv", filters: { action: "export-test" } } });
  });
});

describe("sign-ins and connection tests in the audit log", () => {
  type TAuthorize = (credentials: Record<string, string>, req: { headers: Record<string, string> }) => Promise<unknown>;
  const authorize = (username: string, password: string) =>
    ((getAuthOptions().providers[0] as unknown as { options: { authorize: TAuthorize } }).options.authorize)({ username, password }, { headers: {} }).then(
      () => "ok",
      (e: Error) => e.message,
    );
  const entries = async (actor: string) =>
    (await (await getDb()).auditLog.findMany({ where: { actor, action: { startsWith: "sign-in" } }, orderBy: { id: "asc" } })).map((e) => ({
      action: e.action,
      details: e.details as Record<string, unknown>,
    }));

  it("records a sign-in, a failed one, and the lockout the last failure starts", async () => {
    const pw = `Pw-${randomBytes(8).toString("hex")}`;
    await createConsoleUser({ username: "lou", displayName: "Lou", role: "viewer", password: pw, actor: "test", via: "test" });
    expect(await authorize("lou", pw)).toBe("ok");
    for (let i = 0; i < 5; i++) expect(await authorize("lou", "Wr0ng-Guess-42")).toMatch(/wrong user name or password/);
    // locked now: even the right password is refused
    expect(await authorize("lou", pw)).toMatch(/too many failed sign-ins/);
    const log = await entries("lou");
    expect(log.map((e) => `${e.action}${e.details.reason ? `:${e.details.reason}` : ""}`)).toEqual([
      "sign-in",
      "sign-in.failed:wrong",
      "sign-in.failed:wrong",
      "sign-in.failed:wrong",
      "sign-in.failed:wrong",
      "sign-in.failed:wrong",
      "sign-in.lockout",
      "sign-in.failed:locked",
    ]);
    expect(log[6]!.details).toMatchObject({ locked: "name", failures: 5, windowMin: 15 });
    // never a password
    expect(JSON.stringify(log)).not.toContain(pw);
    expect(JSON.stringify(log)).not.toContain("Wr0ng-Guess-42");
  });

  it("records a disabled user's attempt and an unknown name's", async () => {
    const pw = `Pw-${randomBytes(8).toString("hex")}`;
    await createConsoleUser({ username: "dora", displayName: "Dora", role: "viewer", password: pw, actor: "test", via: "test" });
    await (await getDb()).consoleUser.update({ where: { username: "dora" }, data: { disabled: true } });
    expect(await authorize("dora", pw)).toMatch(/disabled/);
    expect((await entries("dora")).map((e) => `${e.action}:${e.details.reason}`)).toEqual(["sign-in.failed:disabled"]);
    expect(await authorize("nobody-at-all", "x")).toMatch(/wrong user name or password/);
    expect((await entries("nobody-at-all")).map((e) => e.action)).toEqual(["sign-in.failed"]);
  });

  it("records a connection test (already the case: held to it here)", async () => {
    const r = await callRoute(sourceTest.POST as THandler, {
      token: tokens.admin,
      body: { config: { source: { url: "ldap://127.0.0.1:1", bindDn: "cn=admin,dc=example,dc=com", bindPassword: "typed-secret-x1", baseDn: "dc=example,dc=com", filter: "(objectClass=person)" } } },
    });
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(false);
    const log = await callRoute(audit.GET as THandler, { path: "/api/v1/audit?action=connection-test.source", token: tokens.admin });
    expect(log.body.items[0]).toMatchObject({ actor: "token:admin-bot", action: "connection-test.source", details: { host: "ldap://127.0.0.1:1", ok: false } });
    expect(JSON.stringify(log.body)).not.toContain("typed-secret-x1");
  });
});

describe("where a sign-in returns to", () => {
  it("the proxy tells the page guard which page was asked for, whatever the client sent", async () => {
    const req = new NextRequest("http://console.test/channels/3/users?state=held&_rsc=abc", { headers: { [RETURN_PATH_HEADER]: "//evil.example" } });
    const res = proxy(req);
    // NextResponse.next({ request: { headers } }) hands the page the rewritten request headers
    expect(res.headers.get(`x-middleware-request-${RETURN_PATH_HEADER}`)).toBe("/channels/3/users?state=held");
  });

  it("next-auth's redirect callback keeps paths of the console and refuses other sites", async () => {
    const redirect = getAuthOptions().callbacks!.redirect!;
    const baseUrl = "http://console.test";
    const to = (url: string) => redirect({ url, baseUrl });
    expect(await to("/channels/3")).toBe("http://console.test/channels/3");
    expect(await to("http://console.test/audit?x=1")).toBe("http://console.test/audit?x=1");
    expect(await to("/login")).toBe("http://console.test/login");
    for (const evil of ["//evil.example", "https://evil.example", "http://console.test.evil.example/x", "/\\evil.example", "javascript:alert(1)"]) {
      expect({ evil, to: await to(evil) }).toEqual({ evil, to: "http://console.test/channels" });
    }
  });
});
