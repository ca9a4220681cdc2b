// A stored secret goes only to the host it was stored for. The API's connection tests and
// saves, and channel files, may keep a channel's stored bind password, bearer token,
// basic password or OAuth client secret only while the URL it is sent to keeps its
// scheme, host and port; a new host needs the secret typed again. Real slapd, a real
// SCIM service (SCIMMY, with OAuth), and two listeners standing in for someone else's
// hosts, which must never see a stored secret. Connection tests are audited.
import { createServer as createHttpServer, type Server as HttpServer } from "node:http";
import { createServer as createTcpServer, type Server as TcpServer } from "node:net";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as channelRoute from "@/app/api/v1/channels/[id]/route";
import * as sourceTest from "@/app/api/v1/connection-tests/source/route";
import * as targetTest from "@/app/api/v1/connection-tests/target/route";
import { createApiToken } from "@/lib/api-tokens/create-api-token";
import { applyChannelConfig } from "@/lib/channels/apply-channel-config";
import { decryptSecret } from "@/lib/crypto/secrets";
import { getDb } from "@/lib/db/index";
import { startScimmy } from "../../devkit/scim-scimmy.ts";
import { startSlapd, type Slapd } from "../../devkit/slapd.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";
import { callRoute, type THandler } from "../helpers/route-call.ts";

const OAUTH = { clientId: "ferry-client", clientSecret: "oauth-secret-that-must-stay-home" };

let db: Awaited<ReturnType<typeof useTestDatabase>>;
let slapd: Slapd;
let scim: Awaited<ReturnType<typeof startScimmy>>;
let token: string;
let bearerId: number;
let oauthId: number;
let bearerConfig: Record<string, any>;
let oauthConfig: Record<string, any>;

/** Someone else's web server: records every request it gets. */
let web: HttpServer;
let webUrl: string;
const webSaw: string[] = [];
/** Someone else's LDAP port: records every byte (a simple bind carries the password in clear). */
let ldap: TcpServer;
let ldapUrl: string;
let ldapSaw = Buffer.alloc(0);

beforeAll(async () => {
  db = await useTestDatabase();
  slapd = await startSlapd();
  scim = await startScimmy({ auth: { oauth: OAUTH } });
  token = (await createApiToken({ name: "hosts-bot", role: "admin", actor: "test", via: "test" })).token;

  web = createHttpServer((req, res) => {
    let body = "";
    req.on("data", (d) => (body += d));
    req.on("end", () => {
      webSaw.push(`${req.method} ${req.url} authorization=${req.headers.authorization ?? ""} ${body}`);
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ access_token: "x", token_type: "Bearer", expires_in: 60, totalResults: 0, Resources: [] }));
    });
  });
  await new Promise<void>((r) => web.listen(0, "127.0.0.1", r));
  webUrl = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
  ldap = createTcpServer((socket) => {
    socket.on("data", (d) => {
      ldapSaw = Buffer.concat([ldapSaw, d]);
      socket.destroy();
    });
  });
  await new Promise<void>((r) => ldap.listen(0, "127.0.0.1", r));
  ldapUrl = `ldap://127.0.0.1:${(ldap.address() as AddressInfo).port}`;

  const source = { url: slapd.url, bindDn: slapd.adminDn, bindPassword: slapd.adminPassword, baseDn: slapd.peopleDn, filter: "(objectClass=inetOrgPerson)" };
  bearerConfig = { name: "bearer", connectionId: "bearer", active: false, source, target: { url: scim.baseUrl, auth: { type: "bearer", token: scim.token } } };
  oauthConfig = {
    name: "oauth",
    connectionId: "oauth",
    active: false,
    source,
    target: { url: scim.baseUrl, auth: { type: "oauth2", tokenUrl: `${scim.origin}/oauth/token`, ...OAUTH } },
  };
  bearerId = (await applyChannelConfig({ config: bearerConfig, actor: "test", via: "test" })).id;
  oauthId = (await applyChannelConfig({ config: oauthConfig, actor: "test", via: "test" })).id;
});

afterAll(async () => {
  web?.close();
  ldap?.close();
  await scim?.stop();
  await slapd?.stop();
  await db?.cleanup();
});

/** The channel file as a form sends it on edit: every secret left out, to keep the stored one. */
function withoutSecrets(cfg: Record<string, any>, change: (c: Record<string, any>) => void = () => undefined): Record<string, any> {
  const c = structuredClone(cfg);
  delete c.source.bindPassword;
  const auth = c.target.auth;
  delete auth.token;
  delete auth.password;
  delete auth.clientSecret;
  change(c);
  return c;
}

const testTarget = (channelId: number, config: unknown) => callRoute(targetTest.POST as THandler, { body: { channelId, config }, token });
const testSource = (channelId: number, config: unknown) => callRoute(sourceTest.POST as THandler, { body: { channelId, config }, token });
const save = (id: number, config: unknown) => callRoute(channelRoute.PUT as THandler, { method: "PUT", params: { id: String(id) }, body: { config }, token });

function expectRefused(r: { status: number; body: any }, field: string): void {
  expect(r.status, JSON.stringify(r.body)).toBe(400);
  expect(r.body.error.message).toContain(field);
  expect(r.body.error.message).toMatch(/enter it again/);
  expect(r.body.error.details.issues.map((i: { path: string }) => i.path)).toContain(field);
}

describe("a connection test with a stored channel", () => {
  it("keeps the stored token for the same target", async () => {
    const r = await testTarget(bearerId, withoutSecrets(bearerConfig));
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, url: scim.baseUrl });
  });

  it("does not send the stored bearer token to a new target host", async () => {
    const r = await testTarget(bearerId, withoutSecrets(bearerConfig, (c) => (c.target.url = `${webUrl}/scim/v2`)));
    expectRefused(r, "target.auth.token");
    expect(webSaw).toEqual([]);
  });

  it("does not send the stored bind password to a new directory host", async () => {
    const r = await testSource(bearerId, withoutSecrets(bearerConfig, (c) => (c.source.url = ldapUrl)));
    expectRefused(r, "source.bindPassword");
    await new Promise((res) => setTimeout(res, 200));
    expect(ldapSaw.includes(Buffer.from(slapd.adminPassword))).toBe(false);
    expect(ldapSaw.length).toBe(0);
  });

  it("does not send the stored OAuth client secret to a new token URL, nor its token to a new target", async () => {
    expectRefused(await testTarget(oauthId, withoutSecrets(oauthConfig, (c) => (c.target.auth.tokenUrl = `${webUrl}/oauth/token`))), "target.auth.clientSecret");
    expectRefused(await testTarget(oauthId, withoutSecrets(oauthConfig, (c) => (c.target.url = `${webUrl}/scim/v2`))), "target.auth.clientSecret");
    expect(webSaw).toEqual([]);
  });

  it("sends a secret typed again wherever it is told (an admin may test a new host)", async () => {
    const r = await testTarget(bearerId, { target: { url: `${webUrl}/scim/v2`, auth: { type: "bearer", token: "a-new-token-typed-in" } } });
    expect(r.status).toBe(200);
    expect(webSaw.join("\n")).toContain("authorization=Bearer a-new-token-typed-in");
    expect(webSaw.join("\n")).not.toContain(scim.token);
    webSaw.length = 0;
  });

  it("treats the same scheme, host and port as the same host, whatever the path or case", async () => {
    const u = new URL(scim.baseUrl);
    const r = await testTarget(bearerId, withoutSecrets(bearerConfig, (c) => (c.target.url = `${u.protocol}//${u.host.toUpperCase()}${u.pathname}/`)));
    expect(r.status).toBe(200);
    expect(r.body.ok).toBe(true);
    // http://host and http://host:80 are one origin; https://host is another
    expectRefused(await testTarget(bearerId, withoutSecrets(bearerConfig, (c) => (c.target.url = scim.baseUrl.replace(/^http:/, "https:")))), "target.auth.token");
  });
});

describe("saving a channel", () => {
  it("refuses to keep a stored secret for a new host, naming the field; nothing changes", async () => {
    const before = await (await getDb()).channel.findUniqueOrThrow({ where: { id: bearerId } });
    expectRefused(await save(bearerId, withoutSecrets(bearerConfig, (c) => (c.target.url = `${webUrl}/scim/v2`))), "target.auth.token");
    expectRefused(await save(bearerId, withoutSecrets(bearerConfig, (c) => (c.source.url = ldapUrl))), "source.bindPassword");
    expectRefused(await save(oauthId, withoutSecrets(oauthConfig, (c) => (c.target.auth.tokenUrl = `${webUrl}/oauth/token`))), "target.auth.clientSecret");
    const after = await (await getDb()).channel.findUniqueOrThrow({ where: { id: bearerId } });
    expect(after.target).toEqual(before.target);
    expect(after.source).toEqual(before.source);
  });

  it("takes a new host with the secret typed again, and keeps secrets on the same host", async () => {
    const moved = await save(bearerId, withoutSecrets(bearerConfig, (c) => {
      c.target.url = `${webUrl}/scim/v2`;
      c.target.auth.token = "token-for-the-new-host";
    }));
    expect(moved.status, JSON.stringify(moved.body)).toBe(200);
    const row = await (await getDb()).channel.findUniqueOrThrow({ where: { id: bearerId } });
    expect(decryptSecret((row.target as { auth: { token: string } }).auth.token)).toBe("token-for-the-new-host");
    expect(decryptSecret((row.source as { bindPassword: string }).bindPassword)).toBe(slapd.adminPassword);
    // and back, again only with the token
    expectRefused(await save(bearerId, withoutSecrets(bearerConfig)), "target.auth.token");
    expect((await save(bearerId, withoutSecrets(bearerConfig, (c) => (c.target.auth.token = scim.token)))).status).toBe(200);
  });
});

describe("channel files", () => {
  it("may carry a channel's own stored (encrypted) secret only to the host it was stored for", async () => {
    const row = await (await getDb()).channel.findUniqueOrThrow({ where: { id: bearerId } });
    const storedToken = (row.target as { auth: { token: string } }).auth.token;
    const file = structuredClone(bearerConfig);
    file.target.auth.token = storedToken;
    await expect(applyChannelConfig({ config: file, actor: "test", via: "cli" })).resolves.toMatchObject({ id: bearerId });
    file.target.url = `${webUrl}/scim/v2`;
    await expect(applyChannelConfig({ config: file, actor: "test", via: "cli" })).rejects.toThrow(/target\.auth\.token.*enter it again/s);
    // nor can another channel's stored secret be copied into a file
    const other = structuredClone(oauthConfig);
    other.name = "copied";
    other.connectionId = "copied";
    other.target.auth = { type: "bearer", token: storedToken };
    await expect(applyChannelConfig({ config: other, actor: "test", via: "cli" })).rejects.toThrow(/target\.auth\.token/);
  });
});

describe("the audit log", () => {
  it("records each connection test: who, which channel, which host, the result; never a secret", async () => {
    const entries = await (await getDb()).auditLog.findMany({ where: { action: { startsWith: "connection-test." } }, orderBy: { id: "asc" } });
    expect(entries.length).toBeGreaterThanOrEqual(6);
    const text = JSON.stringify(entries.map((e) => e.details));
    for (const secret of [scim.token, slapd.adminPassword, OAUTH.clientSecret, "a-new-token-typed-in"]) expect(text).not.toContain(secret);
    const [first] = entries;
    expect(first).toMatchObject({ actor: "token:hosts-bot", via: "api", channelId: bearerId, action: "connection-test.target" });
    expect(first!.details).toMatchObject({ host: new URL(scim.baseUrl).origin, ok: true });
    const refused = entries.find((e) => (e.details as { host?: string }).host === webUrl);
    expect(refused?.details).toMatchObject({ ok: false, stage: "refused", error: expect.stringContaining("target.auth.token") });
    const source = entries.find((e) => e.action === "connection-test.source");
    expect(source?.details).toMatchObject({ host: ldapUrl, ok: false, stage: "refused" });
  });
});
