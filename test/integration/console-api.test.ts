// The admin API's access control, called as Next.js calls the route handlers, against a
// real PostgreSQL database: every role against every kind of route (with API tokens and
// with console sessions), CSRF on cookie-authenticated state changes, sign-out and
// disabled users, forced password changes, sign-in rate limiting, and secrets that never
// come back out.
import { randomBytes } from "node:crypto";
import { encode } from "next-auth/jwt";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as apiTokens from "@/app/api/v1/api-tokens/route";
import * as channelRoute from "@/app/api/v1/channels/[id]/route";
import * as channelStatus from "@/app/api/v1/channels/[id]/status/route";
import * as operation from "@/app/api/v1/channels/[id]/operations/[operation]/route";
import * as usersRoute from "@/app/api/v1/channels/[id]/users/route";
import * as channels from "@/app/api/v1/channels/route";
import * as consoleUsers from "@/app/api/v1/console-users/route";
import * as me from "@/app/api/v1/me/route";
import * as nodeBackup from "@/app/api/v1/nodes/[id]/force-backup/route";
import * as audit from "@/app/api/v1/audit/route";
import * as holdsRoute from "@/app/api/v1/channels/[id]/holds/route";
import * as approveRoute from "@/app/api/v1/channels/[id]/holds/[holdId]/approve/route";
import * as rejectRoute from "@/app/api/v1/channels/[id]/holds/[holdId]/reject/route";
import { createApiToken } from "@/lib/api-tokens/create-api-token";
import { resetAuthEnvCache } from "@/lib/auth/auth-env";
import { getAuthSecret } from "@/lib/auth/auth-secret";
import { csrfTokenFor } from "@/lib/auth/csrf";
import type { TRole } from "@/lib/auth/roles";
import { hashSessionId } from "@/lib/auth/session-id";
import { signIn } from "@/lib/auth/sign-in";
import { signOut } from "@/lib/auth/sign-out";
import { applyChannelConfig } from "@/lib/channels/apply-channel-config";
import { createConsoleUser } from "@/lib/console-users/create-console-user";
import { updateConsoleUser } from "@/lib/console-users/update-console-user";
import { decryptSecret } from "@/lib/crypto/secrets";
import { getDb } from "@/lib/db/index";
import { useTestDatabase } from "../../devkit/test-database.ts";

type THandler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const ORIGIN = "http://console.test";
const BIND_PASSWORD = "bind-Pa55word-that-must-not-leak";
const SCIM_TOKEN = "scim-token-that-must-not-leak-123456";
let db: Awaited<ReturnType<typeof useTestDatabase>>;
let channelId: number;
const tokens = {} as Record<TRole, string>;
const passwords = {} as Record<TRole, string>;

async function call(
  handler: THandler,
  opts: { method?: string; path?: string; params?: Record<string, string>; body?: unknown; token?: string; cookie?: string; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = { host: "console.test", ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  if (opts.body !== undefined) headers["content-type"] = "application/json";
  const req = new NextRequest(`${ORIGIN}${opts.path ?? "/api/v1/x"}`, {
    method: opts.method ?? "GET",
    headers,
    body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
  });
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** A console session as the browser holds it: next-auth's encrypted cookie around a session id. */
async function sessionCookie(role: TRole): Promise<{ cookie: string; csrf: string; sid: string }> {
  const { sessionId } = await signIn({ username: role, password: passwords[role], ip: "10.0.0.1" });
  const jwt = await encode({ token: { sid: sessionId, name: role }, secret: getAuthSecret() });
  return { cookie: `next-auth.session-token=${jwt}`, csrf: csrfTokenFor(hashSessionId(sessionId)), sid: sessionId };
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
  const r = await applyChannelConfig({
    actor: "test",
    via: "test",
    config: {
      name: "api test",
      connectionId: "api-test",
      active: false,
      source: { url: "ldap://127.0.0.1:1", bindDn: "cn=admin,dc=example,dc=com", bindPassword: BIND_PASSWORD, baseDn: "dc=example,dc=com", filter: "(objectClass=person)" },
      target: { url: "http://127.0.0.1:1/scim/v2", auth: { type: "bearer", token: SCIM_TOKEN } },
    },
  });
  channelId = r.id;
  await (await getDb()).node.create({ data: { id: 7, hostname: "test-node", status: "RUNNING" } });
});

afterAll(async () => {
  await db?.cleanup();
});

describe("roles, with API tokens", () => {
  const cases: Array<{ what: string; handler: () => THandler; method: string; params?: () => Record<string, string>; body?: () => unknown; least: TRole }> = [
    { what: "list channels", handler: () => channels.GET as THandler, method: "GET", least: "viewer" },
    { what: "channel overview", handler: () => channelRoute.GET as THandler, method: "GET", params: () => ({ id: String(channelId) }), least: "viewer" },
    { what: "list users", handler: () => usersRoute.GET as THandler, method: "GET", params: () => ({ id: String(channelId) }), least: "viewer" },
    { what: "audit log", handler: () => audit.GET as THandler, method: "GET", least: "viewer" },
    { what: "operation preview", handler: () => operation.GET as THandler, method: "GET", params: () => ({ id: String(channelId), operation: "reset-all" }), least: "viewer" },
    { what: "run an operation", handler: () => operation.POST as THandler, method: "POST", params: () => ({ id: String(channelId), operation: "reset-attribute-sync" }), body: () => ({}), least: "operator" },
    { what: "force a node to backup", handler: () => nodeBackup.POST as THandler, method: "POST", params: () => ({ id: "7" }), least: "operator" },
    { what: "deactivate a channel", handler: () => channelStatus.POST as THandler, method: "POST", params: () => ({ id: String(channelId) }), body: () => ({ active: false }), least: "admin" },
    { what: "list console users", handler: () => consoleUsers.GET as THandler, method: "GET", least: "admin" },
    { what: "list API tokens", handler: () => apiTokens.GET as THandler, method: "GET", least: "admin" },
  ];
  const RANK: Record<TRole, number> = { viewer: 1, operator: 2, admin: 3 };

  for (const c of cases) {
    it(`${c.what}: ${c.least} and above`, async () => {
      for (const role of ["viewer", "operator", "admin"] as const) {
        const r = await call(c.handler(), { method: c.method, params: c.params?.(), body: c.body?.(), token: tokens[role] });
        expect({ role, status: r.status }).toEqual({ role, status: RANK[role] >= RANK[c.least] ? 200 : 403 });
      }
      expect((await call(c.handler(), { method: c.method, params: c.params?.(), body: c.body?.() })).status).toBe(401);
    });
  }

  it("records token calls in the audit log as token:<name>, via api", async () => {
    const r = await call(audit.GET as THandler, { path: "/api/v1/audit?action=reset-attribute-sync", token: tokens.admin });
    const actors = r.body.items.map((i: { actor: string; via: string }) => `${i.actor} ${i.via}`);
    expect(actors).toEqual(["token:admin-bot api", "token:operator-bot api"]);
  });

  it("refuses unknown, malformed and revoked tokens", async () => {
    expect((await call(channels.GET as THandler, { token: "fry_AAAAAAAA_" + "B".repeat(43) })).status).toBe(401);
    expect((await call(channels.GET as THandler, { token: "not-a-token" })).status).toBe(401);
    const t = await createApiToken({ name: "short-lived", role: "admin", actor: "test", via: "test" });
    expect((await call(channels.GET as THandler, { token: t.token })).status).toBe(200);
    const del = await import("@/app/api/v1/api-tokens/[id]/route");
    expect((await call(del.DELETE as THandler, { method: "DELETE", params: { id: String(t.view.id) }, token: tokens.admin })).status).toBe(200);
    expect((await call(channels.GET as THandler, { token: t.token })).status).toBe(401);
  });
});

describe("held deprovisioning", () => {
  it("anyone may see a hold; only an admin may approve it, for the count they reviewed", async () => {
    const prisma = await getDb();
    const hold = await prisma.deprovisionHold.create({
      data: { channelId, kind: "users", rule: "percent", reason: "3 of 4 provisioned users (75%) would be deprovisioned", count: 3, base: 4 },
    });
    const params = { id: String(channelId), holdId: hold.id.toString() };
    const list = await call(holdsRoute.GET as THandler, { params: { id: String(channelId) }, token: tokens.viewer });
    expect(list.status).toBe(200);
    expect(list.body.open).toMatchObject([{ id: hold.id.toString(), kind: "users", status: "HELD", count: 3, sample: [] }]);

    for (const role of ["viewer", "operator"] as const) {
      expect((await call(approveRoute.POST as THandler, { method: "POST", params, body: { count: 3 }, token: tokens[role] })).status).toBe(403);
    }
    const stale = await call(approveRoute.POST as THandler, { method: "POST", params, body: { count: 2 }, token: tokens.admin });
    expect(stale.status).toBe(409);
    expect(stale.body.error.message).toMatch(/now covers 3 users, not the 2 you reviewed/);
    expect((await call(approveRoute.POST as THandler, { method: "POST", params, body: {}, token: tokens.admin })).status).toBe(400);
    const ok = await call(approveRoute.POST as THandler, { method: "POST", params, body: { count: 3 }, token: tokens.admin });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ holdId: hold.id.toString(), count: 3 });
    expect((await call(approveRoute.POST as THandler, { method: "POST", params, body: { count: 3 }, token: tokens.admin })).status).toBe(409);
    expect((await call(approveRoute.POST as THandler, { method: "POST", params: { ...params, holdId: "999999" }, body: { count: 3 }, token: tokens.admin })).status).toBe(404);
    const entry = await prisma.auditLog.findFirst({ where: { action: "deprovisioning.approve" } });
    expect(entry).toMatchObject({ actor: "token:admin-bot", via: "api", channelId });
  });

  it("only an admin may reject a hold; the rejection keeps its reason and is audited", async () => {
    const prisma = await getDb();
    const hold = await prisma.deprovisionHold.create({
      data: { channelId, kind: "groups", rule: "percent", reason: "2 of 3 provisioned groups (67%) would be deprovisioned", count: 2, base: 3 },
    });
    const params = { id: String(channelId), holdId: hold.id.toString() };
    for (const role of ["viewer", "operator"] as const) {
      expect((await call(rejectRoute.POST as THandler, { method: "POST", params, body: { count: 2 }, token: tokens[role] })).status).toBe(403);
    }
    expect((await call(rejectRoute.POST as THandler, { method: "POST", params, body: { count: 2, reason: "x".repeat(501) }, token: tokens.admin })).status).toBe(400);
    const ok = await call(rejectRoute.POST as THandler, { method: "POST", params, body: { count: 2, reason: "a renamed OU" }, token: tokens.admin });
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    expect(ok.body).toMatchObject({ holdId: hold.id.toString(), kind: "groups", count: 2 });
    const list = await call(holdsRoute.GET as THandler, { params: { id: String(channelId) }, token: tokens.viewer });
    expect(list.body.open).toContainEqual(expect.objectContaining({ id: hold.id.toString(), status: "REJECTED", rejectedBy: "token:admin-bot", rejectedVia: "api", rejectReason: "a renamed OU" }));
    expect((await call(rejectRoute.POST as THandler, { method: "POST", params, body: { count: 2 }, token: tokens.admin })).status).toBe(409);
    const entry = await prisma.auditLog.findFirst({ where: { action: "deprovisioning.reject" } });
    expect(entry).toMatchObject({ actor: "token:admin-bot", via: "api", channelId, details: { note: "a renamed OU", count: 2 } });
  });
});

describe("console sessions", () => {
  it("need the CSRF token and a same-origin request for state changes", async () => {
    const s = await sessionCookie("operator");
    const params = { id: String(channelId), operation: "reset-group-timestamp" };
    expect((await call(me.GET as THandler, { cookie: s.cookie })).body).toMatchObject({ kind: "user", username: "operator", role: "operator", csrfToken: s.csrf });
    const none = await call(operation.POST as THandler, { method: "POST", params, body: {}, cookie: s.cookie });
    expect(none.status).toBe(403);
    expect(none.body.error.code).toBe("CSRF");
    expect((await call(operation.POST as THandler, { method: "POST", params, body: {}, cookie: s.cookie, headers: { "x-csrf-token": "x".repeat(43) } })).status).toBe(403);
    const other = await sessionCookie("viewer"); // a token from another session does not fit this one
    expect((await call(operation.POST as THandler, { method: "POST", params, body: {}, cookie: s.cookie, headers: { "x-csrf-token": other.csrf } })).status).toBe(403);
    const crossSite = await call(operation.POST as THandler, { method: "POST", params, body: {}, cookie: s.cookie, headers: { "x-csrf-token": s.csrf, origin: "https://evil.example", "sec-fetch-site": "cross-site" } });
    expect(crossSite.status).toBe(403);
    const ok = await call(operation.POST as THandler, { method: "POST", params, body: {}, cookie: s.cookie, headers: { "x-csrf-token": s.csrf, origin: ORIGIN, "sec-fetch-site": "same-origin" } });
    expect(ok.status).toBe(200);
    const entry = await call(audit.GET as THandler, { path: "/api/v1/audit?action=reset-group-timestamp", token: tokens.admin });
    expect(entry.body.items[0]).toMatchObject({ actor: "operator", via: "console" });
  });

  it("end at sign-out, and when the user is disabled", async () => {
    const s = await sessionCookie("viewer");
    expect((await call(channels.GET as THandler, { cookie: s.cookie })).status).toBe(200);
    await signOut({ sessionId: s.sid });
    expect((await call(channels.GET as THandler, { cookie: s.cookie })).status).toBe(401);

    const t = await sessionCookie("viewer");
    await updateConsoleUser({ userId: (await (await getDb()).consoleUser.findUniqueOrThrow({ where: { username: "viewer" } })).id, disabled: true, actor: "admin", via: "test" });
    expect((await call(channels.GET as THandler, { cookie: t.cookie })).status).toBe(401);
    await expect(signIn({ username: "viewer", password: passwords.viewer })).rejects.toThrow(/disabled/);
    await updateConsoleUser({ userId: (await (await getDb()).consoleUser.findUniqueOrThrow({ where: { username: "viewer" } })).id, disabled: false, actor: "admin", via: "test" });
  });

  it("take a role change at the next request", async () => {
    const s = await sessionCookie("operator");
    const prisma = await getDb();
    await prisma.consoleUser.update({ where: { username: "operator" }, data: { role: "VIEWER" } });
    const r = await call(operation.POST as THandler, { method: "POST", params: { id: String(channelId), operation: "reset-all" }, body: {}, cookie: s.cookie, headers: { "x-csrf-token": s.csrf } });
    expect(r.status).toBe(403);
    await prisma.consoleUser.update({ where: { username: "operator" }, data: { role: "OPERATOR" } });
  });

  it("reach only their own account while a password change is due", async () => {
    const password = `Pw-${randomBytes(6).toString("hex")}`;
    await createConsoleUser({ username: "newbie", displayName: "New", role: "admin", password, actor: "admin", via: "test" });
    const { sessionId } = await signIn({ username: "newbie", password });
    const cookie = `next-auth.session-token=${await encode({ token: { sid: sessionId }, secret: getAuthSecret() })}`;
    const blocked = await call(channels.GET as THandler, { cookie });
    expect(blocked.status).toBe(403);
    expect(blocked.body.error.code).toBe("PASSWORD_CHANGE_REQUIRED");
    expect((await call(me.GET as THandler, { cookie })).body).toMatchObject({ mustChangePassword: true });
    const pw = await import("@/app/api/v1/me/password/route");
    const csrf = csrfTokenFor(hashSessionId(sessionId));
    const changed = await call(pw.POST as THandler, { method: "POST", cookie, headers: { "x-csrf-token": csrf }, body: { currentPassword: password, newPassword: `fresh-${randomBytes(8).toString("hex")}` } });
    expect(changed.status).toBe(200);
    expect((await call(channels.GET as THandler, { cookie })).status).toBe(200);
  });
});

describe("sign-in", () => {
  it("locks a user name after repeated failures, without touching other users", async () => {
    const password = `Pw-${randomBytes(6).toString("hex")}`;
    await createConsoleUser({ username: "limited", displayName: "L", role: "viewer", password, actor: "admin", via: "test" });
    for (let i = 0; i < 5; i++) await expect(signIn({ username: "limited", password: "wrong-password", ip: "10.9.9.9" })).rejects.toThrow(/wrong user name or password/);
    // the right password no longer helps until the window has passed
    await expect(signIn({ username: "limited", password, ip: "10.9.9.8" })).rejects.toThrow(/too many failed sign-ins/);
    await expect(signIn({ username: "admin", password: passwords.admin, ip: "10.9.9.9" })).resolves.toMatchObject({ user: { username: "admin" } });
    // unknown names get the same answer as wrong passwords
    await expect(signIn({ username: "nobody-here", password: "whatever-it-is" })).rejects.toThrow(/wrong user name or password/);
  });

  it("stores only scrypt hashes of passwords and SHA-256 of sessions and tokens", async () => {
    const prisma = await getDb();
    const u = await prisma.consoleUser.findUniqueOrThrow({ where: { username: "admin" } });
    expect(u.passwordHash).toMatch(/^scrypt\$/);
    expect(u.passwordHash).not.toContain(passwords.admin);
    const t = await prisma.apiToken.findFirstOrThrow({ where: { name: "admin-bot" } });
    expect(t.tokenHash).toMatch(/^[0-9a-f]{64}$/);
    expect(tokens.admin.startsWith(t.prefix)).toBe(true);
    const sessions = await prisma.consoleSession.findMany();
    for (const s of sessions) expect(s.idHash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe("channel secrets", () => {
  it("are masked in every answer, kept when an edit leaves them out, and only accepted as values", async () => {
    const overview = await call(channelRoute.GET as THandler, { params: { id: String(channelId) }, token: tokens.viewer });
    const text = JSON.stringify(overview.body);
    expect(text).not.toContain(BIND_PASSWORD);
    expect(text).not.toContain(SCIM_TOKEN);
    expect(text).not.toContain("enc:v1:");
    expect(overview.body.source.bindPassword).toMatch(/^\*{8}/);

    const config = {
      name: "api test renamed",
      connectionId: "api-test",
      active: false,
      source: { url: "ldap://127.0.0.1:1", bindDn: "cn=admin,dc=example,dc=com", baseDn: "dc=example,dc=com", filter: "(objectClass=person)" },
      target: { url: "http://127.0.0.1:1/scim/v2", auth: { type: "bearer" } },
    };
    const put = await call(channelRoute.PUT as THandler, { method: "PUT", params: { id: String(channelId) }, body: { config }, token: tokens.admin });
    expect(put.status).toBe(200);
    const row = await (await getDb()).channel.findUniqueOrThrow({ where: { id: channelId } });
    expect(row.name).toBe("api test renamed");
    expect(decryptSecret((row.source as { bindPassword: string }).bindPassword)).toBe(BIND_PASSWORD);
    expect(decryptSecret((row.target as { auth: { token: string } }).auth.token)).toBe(SCIM_TOKEN);

    const fromEnv = await call(channelRoute.PUT as THandler, {
      method: "PUT",
      params: { id: String(channelId) },
      body: { config: { ...config, source: { ...config.source, bindPassword: { env: "NEXTAUTH_SECRET" } } } },
      token: tokens.admin,
    });
    expect(fromEnv.status).toBe(400);
    expect(fromEnv.body.error.message).toMatch(/environment and file references are for channel files only/);

    // a new channel must give its secrets; the error names the field
    const missing = await call(channels.POST as THandler, { method: "POST", body: { config: { ...config, name: "no secrets" } }, token: tokens.admin });
    expect(missing.status).toBe(400);
    expect(missing.body.error.details.issues.map((i: { path: string }) => i.path)).toContain("source.bindPassword");
  });

  it("delete-all needs the channel's name, from the API too", async () => {
    const params = { id: String(channelId), operation: "delete-all" };
    expect((await call(operation.POST as THandler, { method: "POST", params, body: {}, token: tokens.operator })).status).toBe(400);
    expect((await call(operation.POST as THandler, { method: "POST", params, body: { confirm: "api test renamed" }, token: tokens.operator })).status).toBe(200);
  });
});
