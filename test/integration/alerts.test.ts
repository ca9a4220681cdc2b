// Alerts (issue 14): a channel that starts failing, enters or leaves quarantine, is held
// or recovers is reported to a real webhook receiver (an HTTP server checking the HMAC
// signature) and by e-mail to a real SMTP server (smtp-server), deduplicated within a
// destination's quiet period, retried when the receiver fails, and admins can send a
// test. The channel is a real one: slapd, the Better Auth SCIM service behind a fault
// proxy, PostgreSQL.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import { SMTPServer } from "smtp-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { createApiToken } from "../../lib/api-tokens/create-api-token.ts";
import { createAlertDestination, updateAlertDestination, type TAlertDestinationBody } from "../../lib/alerts/destinations.ts";
import { sendPendingAlerts, sendTestAlert } from "../../lib/alerts/deliver.ts";
import { signWebhook } from "../../lib/alerts/send.ts";
import { releaseQuarantine } from "../../lib/channels/release-quarantine.ts";
import type { FaultProxy } from "../harness/fault-proxy.ts";
import { startWorldBehindProxy, type TWorld } from "../helpers/fixture.ts";
import { freePort } from "../../devkit/ports.ts";
import { callRoute } from "../helpers/route-call.ts";
import * as alertsRoute from "../../app/api/v1/alerts/route.ts";
import * as alertTestRoute from "../../app/api/v1/alerts/[id]/test/route.ts";

type THook = { headers: http.IncomingHttpHeaders; body: string };
type TMail = { from: string; to: string[]; raw: string };

let w: TWorld;
let proxy: FaultProxy;
let hookServer: http.Server;
let hookUrl: string;
const hooks: THook[] = [];
/** statuses the receiver answers next, then 204 */
const hookAnswers: number[] = [];
let smtp: SMTPServer;
let smtpPort: number;
const mails: TMail[] = [];
const SECRET = randomBytes(24).toString("hex");
const SMTP_PASSWORD = "smtp-Pa55-that-must-not-leak";
const admin = { actor: "admin", via: "test" as const };
let n = 0;

beforeAll(async () => {
  ({ w, proxy } = await startWorldBehindProxy());
  hookServer = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      hooks.push({ headers: req.headers, body });
      res.statusCode = hookAnswers.shift() ?? 204;
      res.end();
    });
  });
  await new Promise<void>((r) => hookServer.listen(0, "127.0.0.1", () => r()));
  hookUrl = `http://127.0.0.1:${(hookServer.address() as AddressInfo).port}/ferry-hook`;
  smtp = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    onAuth(auth, _s, cb) {
      if (auth.username === "ferry" && auth.password === SMTP_PASSWORD) cb(null, { user: "ferry" });
      else cb(new Error("535 wrong password"));
    },
    onData(stream, session, cb) {
      let raw = "";
      stream.on("data", (c: Buffer) => (raw += c.toString("utf8")));
      stream.on("end", () => {
        // as a mail reader shows it: headers unfolded, RFC 2047 words and quoted-printable decoded
        raw = raw
          .replace(/\r?\n[ \t]+/g, " ")
          .replace(/\?= =\?UTF-8\?Q\?/g, "")
          .replace(/=\?UTF-8\?Q\?(.*?)\?=/g, (_m, q: string) => q.replace(/_/g, " "))
          .replace(/=\r?\n/g, "")
          .replace(/=([0-9A-F]{2})/g, (_m, h: string) => String.fromCharCode(parseInt(h, 16)));
        mails.push({ from: session.envelope.mailFrom ? (session.envelope.mailFrom as { address: string }).address : "", to: session.envelope.rcptTo.map((r) => r.address), raw });
        cb();
      });
    },
  });
  await new Promise<void>((r) => smtp.listen(0, "127.0.0.1", () => r()));
  smtpPort = (smtp.server.address() as AddressInfo).port;
  await w.cycle();
});
afterAll(async () => {
  await proxy?.stop();
  await new Promise<void>((r) => hookServer?.close(() => r()));
  await new Promise<void>((r) => smtp?.close(() => r()));
  await w?.stop();
});

const webhookBody = (over: Partial<TAlertDestinationBody> = {}): TAlertDestinationBody =>
  ({ kind: "webhook", name: "ops hook", enabled: true, events: [], channelIds: [], quietMinutes: 30, webhook: { url: hookUrl, secret: SECRET }, ...over }) as TAlertDestinationBody;
const emailBody = (over: Record<string, unknown> = {}): TAlertDestinationBody =>
  ({
    kind: "email",
    name: "ops mail",
    enabled: true,
    events: [],
    channelIds: [],
    quietMinutes: 30,
    email: { host: "127.0.0.1", port: smtpPort, security: "none", user: "ferry", password: SMTP_PASSWORD, from: "ferry@example.com", to: ["ops@example.com", "iam@example.com"], ...over },
  }) as TAlertDestinationBody;

async function newMember(): Promise<void> {
  const uid = `a${++n}`;
  const dn = await w.slapd.addUser({ uid, givenName: "A", sn: `${n}`, mail: `${uid}@example.com` });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
}

const deliveries = async () => (await getDb()).alertDelivery.findMany({ orderBy: { id: "asc" } });

describe("alerts", () => {
  let hookId: number;
  let mailId: number;

  it("a channel that starts failing is reported to a signed webhook and by e-mail", async () => {
    hookId = (await createAlertDestination({ body: webhookBody(), ...admin })).id;
    mailId = (await createAlertDestination({ body: emailBody(), ...admin })).id;
    await newMember();
    proxy.inject({ times: 1000, status: 401, body: "Invalid SCIM bearer token" });
    const r = await w.cycle();
    expect(r.health?.state).toBe("failing");
    const queued = await deliveries();
    expect(queued.map((d) => [d.destinationId, d.event, d.status])).toEqual([
      [hookId, "failing", "PENDING"],
      [mailId, "failing", "PENDING"],
    ]);

    expect(await sendPendingAlerts()).toEqual({ sent: 2, failed: 0 });
    // the webhook: JSON, with a signature the receiver can check with the shared secret
    expect(hooks).toHaveLength(1);
    const h = hooks[0]!;
    expect(h.headers["content-type"]).toBe("application/json");
    expect(h.headers["x-ferry-event"]).toBe("failing");
    const ts = h.headers["x-ferry-timestamp"] as string;
    expect(Math.abs(Number(ts) - Date.now() / 1000)).toBeLessThan(60);
    expect(h.headers["x-ferry-signature"]).toBe(signWebhook(SECRET, ts, h.body));
    expect(h.headers["x-ferry-signature"]).not.toBe(signWebhook("another-secret-entirely", ts, h.body));
    const p = JSON.parse(h.body);
    expect(p).toMatchObject({ event: "failing", channel: { id: w.channelId, name: "test channel" }, health: { state: "failing" }, previous: "healthy" });
    expect(p.health.reason).toMatch(/401/);
    // the e-mail, through a real SMTP session with the password
    expect(mails).toHaveLength(1);
    expect(mails[0]!.to).toEqual(["ops@example.com", "iam@example.com"]);
    expect(mails[0]!.raw).toMatch(/Subject: \[Ferry\] Channel "test channel" \(#\d+\) starts failing/);
    expect(mails[0]!.raw).toMatch(/Why: the target refuses the changes/);
    expect((await deliveries()).every((d) => d.status === "SENT" && d.attempts === 1)).toBe(true);
  });

  it("quarantine is reported once; a flapping channel does not flood anyone within the quiet period", async () => {
    await w.cycle();
    await w.cycle(); // third failing cycle: quarantined
    let ds = await deliveries();
    expect(ds.filter((d) => d.event === "quarantined").map((d) => d.status)).toEqual(["PENDING", "PENDING"]);
    await sendPendingAlerts();
    expect(hooks.map((x) => x.headers["x-ferry-event"])).toEqual(["failing", "quarantined"]);

    // released and recovers, then fails again: "failing" again within 30 minutes is suppressed
    proxy.clear();
    await releaseQuarantine({ channelId: w.channelId, ...admin });
    expect((await w.cycle()).health?.state).toBe("healthy");
    proxy.inject({ times: 1000, status: 401, body: "Invalid SCIM bearer token" });
    await newMember();
    expect((await w.cycle()).health?.state).toBe("failing");
    ds = await deliveries();
    expect(ds.filter((d) => d.event === "quarantine-ended").map((d) => d.status)).toEqual(["PENDING", "PENDING"]);
    expect(ds.filter((d) => d.event === "recovered").map((d) => d.status)).toEqual(["PENDING", "PENDING"]);
    expect(ds.filter((d) => d.event === "failing").map((d) => d.status)).toEqual(["SENT", "SENT", "SUPPRESSED", "SUPPRESSED"]);
    await sendPendingAlerts();
    expect(hooks.map((x) => x.headers["x-ferry-event"])).toEqual(["failing", "quarantined", "quarantine-ended", "recovered"]);
    proxy.clear();
    await w.cycle();
  });

  it("a receiver that fails keeps the delivery pending with the error; the next attempt delivers it", async () => {
    const db = await getDb();
    await db.alertDestination.update({ where: { id: mailId }, data: { enabled: false } });
    await db.alertDestination.update({ where: { id: hookId }, data: { quietMinutes: 0 } });
    proxy.inject({ times: 1000, status: 401, body: "Invalid SCIM bearer token" });
    await newMember();
    await w.cycle();
    hookAnswers.push(500);
    expect(await sendPendingAlerts()).toEqual({ sent: 0, failed: 1 });
    let d = (await deliveries()).at(-1)!;
    expect(d).toMatchObject({ destinationId: hookId, event: "failing", status: "PENDING", attempts: 1 });
    expect(d.lastError).toMatch(/^POST 127\.0\.0\.1:\d+: 500/);
    expect(await sendPendingAlerts()).toEqual({ sent: 1, failed: 0 });
    d = (await deliveries()).at(-1)!;
    expect(d).toMatchObject({ status: "SENT", attempts: 2, lastError: null });
    proxy.clear();
    await w.cycle();
  });

  it("send a test: says whether it arrived, and why not", async () => {
    const ok = await sendTestAlert(hookId);
    expect(ok).toMatchObject({ ok: true, error: null });
    expect(JSON.parse(hooks.at(-1)!.body)).toMatchObject({ event: "test", channel: null });
    const mailOk = await sendTestAlert(mailId);
    expect(mailOk.ok).toBe(true);
    expect(mails.at(-1)!.raw).toMatch(/Subject: \[Ferry\] A test alert from Ferry/);

    const wrong = await createAlertDestination({ body: emailBody({ name: "wrong password", password: "not-the-password" }), ...admin });
    const bad = await sendTestAlert(wrong.id);
    expect(bad.ok).toBe(false);
    expect(bad.error).toMatch(new RegExp(`^SMTP 127\\.0\\.0\\.1:${smtpPort}: .*535`));
    const closed = await freePort();
    const dead = await createAlertDestination({ body: webhookBody({ name: "nobody", webhook: { url: `http://127.0.0.1:${closed}/x`, secret: SECRET } }), ...admin });
    expect((await sendTestAlert(dead.id)).error).toBe(`POST 127.0.0.1:${closed}: ECONNREFUSED`);
  });

  it("an SMTP password goes only to the host it was entered for; the API never shows a secret", async () => {
    await expect(updateAlertDestination({ id: mailId, body: emailBody({ host: "smtp.elsewhere.example", password: undefined }), ...admin })).rejects.toThrow(
      /the SMTP host changed from 127\.0\.0\.1 to smtp\.elsewhere\.example; enter the password again/,
    );
    // same host, password left out: kept
    await updateAlertDestination({ id: mailId, body: emailBody({ name: "renamed", password: undefined }), ...admin });
    expect((await sendTestAlert(mailId)).ok).toBe(true);

    const { token } = await createApiToken({ name: "alerts-admin", role: "admin", ...admin });
    const { token: viewer } = await createApiToken({ name: "alerts-viewer", role: "viewer", ...admin });
    const list = await callRoute(alertsRoute.GET as never, { token, path: "/api/v1/alerts" });
    expect(list.status).toBe(200);
    const text = JSON.stringify(list.body);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain(SMTP_PASSWORD);
    expect(list.body.destinations.find((d: any) => d.id === hookId).webhook.secret).toMatch(/^\*{8}$/);
    expect(list.body.deliveries.length).toBeGreaterThan(5);
    expect((await callRoute(alertsRoute.GET as never, { token: viewer, path: "/api/v1/alerts" })).status).toBe(403);
    const t = await callRoute(alertTestRoute.POST as never, { token, method: "POST", path: `/api/v1/alerts/${hookId}/test`, params: { id: String(hookId) } });
    expect(t.status).toBe(200);
    expect(t.body.ok).toBe(true);
    // a webhook URL that is not http(s), a recipient that is not an address: refused with where
    const badBody = await callRoute(alertsRoute.POST as never, { token, method: "POST", path: "/api/v1/alerts", body: { ...webhookBody(), webhook: { url: "file:///etc/passwd", secret: SECRET } } });
    expect(badBody.status).toBe(400);
    expect(badBody.body.error.message).toMatch(/webhook\.url/);
  });
});
