// What the API does with hostile or broken input, over the real route handlers and
// database: NUL characters anywhere in a request, paging tokens that are not ones the
// API handed out, and request bodies larger than the limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as audit from "@/app/api/v1/audit/route";
import * as nextAuth from "@/app/api/auth/[...nextauth]/route";
import * as operation from "@/app/api/v1/channels/[id]/operations/[operation]/route";
import * as usersRoute from "@/app/api/v1/channels/[id]/users/route";
import * as channels from "@/app/api/v1/channels/route";
import * as consoleUsers from "@/app/api/v1/console-users/route";
import { createApiToken } from "@/lib/api-tokens/create-api-token";
import { applyChannelConfig } from "@/lib/channels/apply-channel-config";
import { encodeCursor } from "@/lib/channels/list-records";
import { getDb } from "@/lib/db/index";
import { resetEnvCache } from "@/lib/env";
import { useTestDatabase } from "../../devkit/test-database.ts";
import { callRoute, type THandler } from "../helpers/route-call.ts";

let db: Awaited<ReturnType<typeof useTestDatabase>>;
let channelId: number;
let token: string;

beforeAll(async () => {
  db = await useTestDatabase();
  token = (await createApiToken({ name: "input-bot", role: "admin", actor: "test", via: "test" })).token;
  channelId = (
    await applyChannelConfig({
      actor: "test",
      via: "test",
      config: {
        name: "input test",
        connectionId: "input-test",
        active: false,
        source: { url: "ldap://127.0.0.1:1", bindDn: "cn=admin,dc=example,dc=com", bindPassword: "x", baseDn: "dc=example,dc=com", filter: "(objectClass=person)" },
        target: { url: "http://127.0.0.1:1/scim/v2", auth: { type: "bearer", token: "x" } },
      },
    })
  ).id;
  await (await getDb()).$executeRawUnsafe(
    `INSERT INTO user_record (channel_id, guid, dn, provider_name) SELECT $1, 'guid-' || i, 'uid=u' || i || ',dc=example,dc=com', 'u' || lpad(i::text, 2, '0') FROM generate_series(1, 5) i`,
    channelId,
  );
});

afterAll(async () => {
  await db?.cleanup();
});

const users = (query: string) => callRoute(usersRoute.GET as THandler, { path: `/api/v1/channels/${channelId}/users?${query}`, params: { id: String(channelId) }, token });
const auditLog = (query: string) => callRoute(audit.GET as THandler, { path: `/api/v1/audit?${query}`, token });

describe("NUL characters", () => {
  it("in a query parameter are refused with 400, naming the parameter", async () => {
    for (const [r, param] of [
      [await users("q=a%00b"), "query.q"],
      [await auditLog("actor=x%00"), "query.actor"],
      [await auditLog("action=channel%00"), "query.action"],
    ] as const) {
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error.code).toBe("INVALID_ARGUMENT");
      expect(r.body.error.message).toContain(param);
    }
  });

  it("anywhere in a JSON body, values and keys, are refused with 400, naming where", async () => {
    const user = await callRoute(consoleUsers.POST as THandler, { body: { username: "nuluser", displayName: "Nul\u0000User", role: "viewer", password: "Pw-0123456789" }, token });
    expect(user.status, JSON.stringify(user.body)).toBe(400);
    expect(user.body.error.message).toContain("body.displayName");
    const config = { name: "nul", connectionId: "nul", source: { url: "ldap://127.0.0.1:1" }, mapping: { "title\u0000": "title" } };
    const channel = await callRoute(channels.POST as THandler, { body: { config }, token });
    expect(channel.status, JSON.stringify(channel.body)).toBe(400);
    expect(channel.body.error.message).toContain("body.config.mapping");
  });
});

describe("paging tokens", () => {
  it("a page token the API handed out works", async () => {
    const first = await users("limit=2");
    expect(first.status).toBe(200);
    const second = await users(`limit=2&after=${first.body.nextCursor}`);
    expect(second.body.items.map((i: { providerName: string }) => i.providerName)).toEqual(["u03", "u04"]);
  });

  it("a token that is not one is refused with 400, never answered with the first page", async () => {
    const bad = [
      "",
      "not-a-cursor",
      encodeCursor({ n: "u01", i: "99999999999999999999999" }),
      Buffer.from(JSON.stringify({ n: 5, i: "1" })).toString("base64url"),
      Buffer.from("[]").toString("base64url"),
    ];
    const answers = [];
    for (const after of bad) {
      const r = await users(`after=${encodeURIComponent(after)}`);
      answers.push({ after, status: r.status, names: r.status === 400 && /query\.after/.test(r.body.error.message) });
    }
    expect(answers).toEqual(bad.map((after) => ({ after, status: 400, names: true })));
    const befores = ["", "abc", "99999999999999999999999", "0", "-1"];
    const auditAnswers = [];
    for (const before of befores) auditAnswers.push({ before, status: (await auditLog(`before=${encodeURIComponent(before)}`)).status });
    expect(auditAnswers).toEqual(befores.map((before) => ({ before, status: 400 })));
  });
});

/** A body of `size` bytes made on demand, 64 KB at a time, counting what the server pulled. */
function lazyBody(size: number): { stream: ReadableStream<Uint8Array>; pulled: () => number } {
  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= size) return controller.close();
      const n = Math.min(chunk.byteLength, size - pulled);
      pulled += n;
      controller.enqueue(chunk.subarray(0, n));
    },
  });
  return { stream, pulled: () => pulled };
}

describe("request bodies", () => {
  const MB = 1024 * 1024;
  const runOperation = (body: unknown, headers?: Record<string, string>) =>
    callRoute(operation.POST as THandler, { params: { id: String(channelId), operation: "reset-attribute-sync" }, body, headers, token });

  it("larger than the limit (1 MB by default) are refused with 413 after reading little more than the limit", async () => {
    const big = lazyBody(300 * MB);
    const r = await runOperation(big.stream);
    expect(r.status, JSON.stringify(r.body)).toBe(413);
    expect(r.body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", message: expect.stringContaining("1 MB") });
    expect(big.pulled()).toBeLessThan(2 * MB);
  });

  it("announced larger than the limit are refused before any of it is read", async () => {
    const big = lazyBody(3 * MB);
    const r = await runOperation(big.stream, { "content-length": String(3 * MB) });
    expect(r.status).toBe(413);
    expect(big.pulled()).toBeLessThanOrEqual(128 * 1024);
  });

  it("within the limit are read as before", async () => {
    expect((await runOperation({})).status).toBe(200);
    expect((await runOperation(JSON.stringify({ confirm: "x".repeat(900 * 1024) }))).status).toBe(200);
  });

  it("follow FERRY_MAX_BODY_BYTES", async () => {
    process.env.FERRY_MAX_BODY_BYTES = "4096";
    resetEnvCache();
    try {
      const r = await runOperation(JSON.stringify({ confirm: "x".repeat(5000) }));
      expect(r.status).toBe(413);
      expect(r.body.error.message).toContain("4 KB");
      expect((await runOperation(JSON.stringify({ confirm: "x".repeat(3000) }))).status).toBe(200);
    } finally {
      delete process.env.FERRY_MAX_BODY_BYTES;
      resetEnvCache();
    }
  });

  it("sent to next-auth's sign-in are limited too", async () => {
    const big = lazyBody(50 * MB);
    const r = await callRoute(nextAuth.POST as unknown as THandler, {
      path: "/api/auth/callback/credentials",
      body: big.stream,
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(r.status).toBe(413);
    expect(big.pulled()).toBeLessThan(2 * MB);
  });
});
