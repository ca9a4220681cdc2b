// What the API does with hostile or broken input, over the real route handlers and
// database: NUL characters anywhere in a request.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as audit from "@/app/api/v1/audit/route";
import * as usersRoute from "@/app/api/v1/channels/[id]/users/route";
import * as channels from "@/app/api/v1/channels/route";
import * as consoleUsers from "@/app/api/v1/console-users/route";
import { createApiToken } from "@/lib/api-tokens/create-api-token";
import { applyChannelConfig } from "@/lib/channels/apply-channel-config";
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
