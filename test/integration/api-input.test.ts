// What the API does with hostile or broken input, over the real route handlers and
// database: NUL characters anywhere in a request, paging tokens that are not ones the
// API handed out, and request bodies larger than the limit.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as audit from "@/app/api/v1/audit/route";
import * as usersRoute from "@/app/api/v1/channels/[id]/users/route";
import * as channels from "@/app/api/v1/channels/route";
import * as consoleUsers from "@/app/api/v1/console-users/route";
import { createApiToken } from "@/lib/api-tokens/create-api-token";
import { applyChannelConfig } from "@/lib/channels/apply-channel-config";
import { encodeCursor } from "@/lib/channels/list-records";
import { getDb } from "@/lib/db/index";
import { useTestDatabase } from "../helpers/database.ts";
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
