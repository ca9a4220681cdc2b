// A SCIM target that answers 4xx, 5xx, 429 or nonsense, or does not answer at all: the
// admin sees what went wrong and where, and dirty records stay dirty until the target
// acknowledges them. The target is the real Better Auth service behind a fault proxy.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";
import { parsed, provmgr } from "./provmgr.helpers.ts";

let w: TWorld;
let proxy: FaultProxy;
let n = 0;

beforeAll(async () => {
  w = await startWorld();
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => {
    c.target.url = proxy.baseUrl;
    c.target.maxRetries = 2;
  });
  await w.cycle(); // discovery and an empty first read
});
beforeEach(() => proxy.clear());
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

async function newMember(): Promise<string> {
  const uid = `t${++n}`;
  const dn = await w.slapd.addUser({ uid, givenName: "T", sn: `${n}`, mail: `${uid}@example.com` });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
  return uid;
}

const atTarget = async (uid: string) => (await w.scim.listUsers()).find((u) => u.userName === uid);

describe("target errors", () => {
  it("429 with Retry-After: waits as told and succeeds in the same cycle", async () => {
    const uid = await newMember();
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 429, headers: { "retry-after": "1" } });
    const t0 = Date.now();
    const r = await w.cycle();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1000);
    expect(r.status).toBe("SUCCESS");
    expect(await atTarget(uid)).toBeDefined();
    expect((await userRecord(w.channelId, uid))?.dirty).toBe(false);
  });

  it("5xx: retried with backoff; when it persists the record stays dirty with the error, and the next cycle delivers it", async () => {
    const uid = await newMember();
    const mark = proxy.log.length;
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 3, status: 503, body: "upstream down" });
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.message).toMatch(/1 record\(s\) not acknowledged/);
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(true);
    expect(rec?.pendingAction).toBe("CREATE");
    expect(rec?.attempts).toBe(1);
    expect(rec?.lastError).toMatch(/transient: POST \/Users: 503 upstream down/);
    // the first try and maxRetries (2) retries
    expect(proxy.log.slice(mark).filter((l) => l.injected && l.method === "POST")).toHaveLength(3);
    expect(await atTarget(uid)).toBeUndefined();

    const r2 = await w.cycle();
    expect(r2.status).toBe("SUCCESS");
    expect(await atTarget(uid)).toBeDefined();
    const after = await userRecord(w.channelId, uid);
    expect(after?.dirty).toBe(false);
    expect(after?.lastError).toBeNull();
  });

  it("4xx: not retried in the cycle; the SCIM error detail is kept on the record", async () => {
    const uid = await newMember();
    const mark = proxy.log.length;
    proxy.inject({
      method: "POST",
      pathIncludes: "/Users",
      times: 1,
      status: 400,
      body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400", scimType: "invalidValue", detail: "title is too long" }),
    });
    await w.cycle();
    expect(proxy.log.slice(mark).filter((l) => l.injected)).toHaveLength(1);
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(true);
    expect(rec?.lastError).toMatch(/fatal: POST \/Users: 400 title is too long/);
    await w.cycle();
    expect((await userRecord(w.channelId, uid))?.dirty).toBe(false);
  });

  it("a 2xx answer that is not JSON is an error, not a success", async () => {
    const uid = await newMember();
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 201, body: "<html>proxy login</html>", headers: { "content-type": "text/html" } });
    await w.cycle();
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(true);
    expect(rec?.scimId).toBeNull();
    expect(rec?.lastError).toMatch(/not JSON/);
    await w.cycle();
    expect((await userRecord(w.channelId, uid))?.scimId).toBe((await atTarget(uid))?.id);
  });

  it("a redirect is not followed (credentials stay with the configured URL): the record stays dirty and the error says where to", async () => {
    const uid = await newMember();
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 308, headers: { location: "https://elsewhere.example/scim/v2/Users" }, body: "" });
    await w.cycle();
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(true);
    expect(rec?.lastError).toMatch(/fatal: POST \/Users: 308 redirect to https:\/\/elsewhere\.example\/scim\/v2\/Users; set the target URL/);
    await w.cycle();
    expect((await userRecord(w.channelId, uid))?.dirty).toBe(false);
  });

  it("a create whose connection drops is looked up and, not being there, sent again in the same cycle", async () => {
    const uid = await newMember();
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, dropConnection: true });
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    expect(await atTarget(uid)).toBeDefined();
  });

  it("a target that accepts the request and never answers times out; the record stays dirty until it answers", async () => {
    const uid = await newMember();
    await w.reconfigure((c) => {
      c.target.timeoutMs = 400;
      c.target.maxRetries = 0;
    });
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, delayMs: 1500 });
    // the record's error says the client gave up at its timeout instead of waiting for the late answer
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(true);
    // the create may still reach the target: it is looked up, and not sent again in this cycle
    expect(rec?.lastError).toMatch(/^uncertain: POST \/Users: no answer within 400 ms; no user "t\d+" at the target by userName: not sent again, the next cycle looks again/);
    await w.reconfigure((c) => {
      c.target.timeoutMs = 30_000;
      c.target.maxRetries = 2;
    });
    // the proxy delivered the timed-out POST late: the next cycle finds and links it, no duplicate
    await w.cycle();
    expect((await userRecord(w.channelId, uid))?.dirty).toBe(false);
    expect((await w.scim.listUsers()).filter((u) => u.userName === uid)).toHaveLength(1);
  });

  it("an unreachable target keeps every change dirty and says where, on every record due", async () => {
    const uid = await newMember();
    await w.reconfigure((c) => (c.target.url = "http://127.0.0.1:1/scim/v2"));
    const before = new Date();
    const r = await w.cycle();
    expect(r.status).not.toBe("SUCCESS");
    expect(r.message).toMatch(/push stopped: GET \/ServiceProviderConfig: ECONNREFUSED \(127\.0\.0\.1:1\); 1 user record\(s\) and 0 group record\(s\) not sent, they stay dirty with this error/);
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(true);
    expect(rec?.attempts).toBe(1);
    expect(rec?.lastError).toBe("transient: GET /ServiceProviderConfig: ECONNREFUSED (127.0.0.1:1) (the push stopped before this record was sent)");
    expect(rec?.lastAttemptAt?.getTime()).toBeGreaterThanOrEqual(before.getTime() - 1000);
    await w.reconfigure((c) => (c.target.url = proxy.baseUrl));
    await w.cycle();
    expect((await userRecord(w.channelId, uid))?.dirty).toBe(false);
  });

  it("a wrong token is reported as the target's 401", async () => {
    const uid = await newMember();
    await w.reconfigure((c) => (c.target.auth = { type: "bearer", token: "not-the-token" }));
    const r = await w.cycle();
    expect(r.status).not.toBe("SUCCESS");
    expect(r.message).toMatch(/401/);
    expect((await userRecord(w.channelId, uid))?.dirty).toBe(true);
    await w.reconfigure((c) => (c.target.auth = { type: "bearer", token: w.scim.token }));
    await w.cycle();
    expect((await userRecord(w.channelId, uid))?.dirty).toBe(false);
  });

  it("a target that refuses discovery (401, or an HTML page instead of SCIM): the error reaches every dirty record due, the cycle and the channel", async () => {
    const db = await getDb();
    const a = await newMember();
    const b = await newMember();
    for (const [status, body, headers, expected] of [
      [401, JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "401", detail: "token expired" }), {}, "fatal: GET /ServiceProviderConfig: 401 token expired"],
      [200, "<html><body>Sign in to continue</body></html>", { "content-type": "text/html" }, "fatal: GET /ServiceProviderConfig: answered 200 with a body that is not JSON: <html><body>Sign in to continue</body></html>"],
    ] as const) {
      proxy.inject({ method: "GET", pathIncludes: "/ServiceProviderConfig", times: 1, status, body, headers });
      const attemptsBefore = (await userRecord(w.channelId, a))?.attempts ?? 0;
      const r = await w.cycle();
      expect(r.message).toContain(`push stopped: ${expected.replace(/^fatal: /, "")}; 2 user record(s) and 0 group record(s) not sent, they stay dirty with this error`);
      for (const uid of [a, b]) {
        const rec = await userRecord(w.channelId, uid);
        expect(rec?.dirty).toBe(true);
        expect(rec?.pendingAction).toBe("CREATE");
        expect(rec?.lastError).toBe(`${expected} (the push stopped before this record was sent)`);
        expect(rec?.lastAttemptAt).not.toBeNull();
      }
      expect((await userRecord(w.channelId, a))?.attempts).toBe(attemptsBefore + 1);
      const channel = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
      expect(channel.lastCycleMessage).toBe(r.message);
    }
    // what provmgr shows an operator
    const shown = await provmgr(["-c", String(w.channelId), "--show-dirty-user-records", "--json"]);
    expect(shown.code, shown.stderr).toBe(0);
    const recs = parsed(shown).records as Array<{ providerName: string; attempts: number; lastError: string }>;
    expect(recs.filter((x) => x.providerName === a || x.providerName === b).map((x) => [x.attempts, x.lastError.slice(0, 50)])).toEqual([
      [2, "fatal: GET /ServiceProviderConfig: answered 200 wi"],
      [2, "fatal: GET /ServiceProviderConfig: answered 200 wi"],
    ]);
    // the next cycle delivers both, and the error goes
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    for (const uid of [a, b]) expect(await userRecord(w.channelId, uid)).toMatchObject({ dirty: false, lastError: null, attempts: 0 });
  });

  it("keeps the store consistent: every acknowledged record has the target's id", async () => {
    const db = await getDb();
    const recs = await db.userRecord.findMany({ where: { channelId: w.channelId } });
    const ids = new Map((await w.scim.listUsers()).map((u) => [u.userName, u.id]));
    for (const r of recs) expect(r.scimId).toBe(ids.get(r.providerName!));
    expect(recs.every((r) => !r.dirty)).toBe(true);
  });
});
