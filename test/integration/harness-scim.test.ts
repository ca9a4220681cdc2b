import net from "node:net";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startBetterAuthScim } from "../harness/scim-better-auth.ts";
import { startScimmy } from "../../devkit/scim-scimmy.ts";
import { startFaultProxy } from "../harness/fault-proxy.ts";
import {
  SCIM_GROUP_SCHEMA,
  SCIM_PATCH_SCHEMA,
  SCIM_USER_SCHEMA,
  type ScimService,
  scimFetch,
} from "../../devkit/scim-service.ts";

const targets: Array<[ScimService["kind"], () => Promise<ScimService>]> = [
  ["better-auth", () => startBetterAuthScim()],
  ["scimmy", () => startScimmy()],
];

const enc = encodeURIComponent;

function portOf(baseUrl: string): number {
  return Number(new URL(baseUrl).port);
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

async function harnessDatabases(): Promise<string[]> {
  const c = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
  await c.connect();
  try {
    const { rows } = await c.query<{ datname: string }>("SELECT datname FROM pg_database WHERE datname LIKE $1", [
      `ferry_scim_${process.pid}_%`,
    ]);
    return rows.map((r) => r.datname);
  } finally {
    await c.end();
  }
}

function user(userName: string, givenName: string, familyName: string) {
  return {
    schemas: [SCIM_USER_SCHEMA],
    userName,
    name: { givenName, familyName },
    emails: [{ value: userName, type: "work", primary: true }],
    active: true,
  };
}

function patch(...Operations: Array<{ op: string; path?: string; value?: unknown }>) {
  return { schemas: [SCIM_PATCH_SCHEMA], Operations };
}

describe.each(targets)("%s SCIM target", (kind, start) => {
  let svc: ScimService;
  let startMs = 0;

  beforeAll(async () => {
    const t0 = performance.now();
    svc = await start();
    startMs = performance.now() - t0;
  });

  afterAll(async () => {
    await svc?.stop();
  });

  it("starts and answers discovery", async () => {
    expect(svc.kind).toBe(kind);
    // how long it took is printed, not checked: speed is the benchmark's, and a loaded CI machine is slow
    console.log(`${kind} SCIM service started in ${Math.round(startMs)} ms`);
    expect(svc.baseUrl).not.toMatch(/\/$/);

    const spc = await svc.request("GET", "/ServiceProviderConfig");
    expect(spc.status).toBe(200);
    expect(spc.body.schemas).toContain("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig");
    expect(spc.body.patch.supported).toBe(true);
    expect(spc.body.filter.supported).toBe(true);
    expect(spc.body.authenticationSchemes[0].type).toBe("oauthbearertoken");
    if (kind === "better-auth") {
      expect(spc.body.bulk.supported).toBe(false);
      expect(spc.body.filter.maxResults).toBe(100);
    } else {
      expect(spc.body.bulk).toMatchObject({ supported: true, maxOperations: 1000 });
      expect(spc.body.filter.maxResults).toBe(1000);
    }

    const unauth = await scimFetch(svc.baseUrl, "not-the-token", "GET", "/Users");
    expect(unauth.status).toBe(401);
  });

  it("creates, finds, patches, replaces and deletes a user", async () => {
    const created = await svc.request("POST", "/Users", user("ada.lovelace@example.com", "Ada", "Lovelace"));
    expect(created.status).toBe(201);
    const id: string = created.body.id;
    expect(id).toBeTruthy();
    expect(created.body.userName).toBe("ada.lovelace@example.com");
    expect(created.body.active).toBe(true);

    const dup = await svc.request("POST", "/Users", user("ada.lovelace@example.com", "Ada", "Lovelace"));
    expect(dup.status).toBe(409);
    expect(dup.body.scimType).toBe("uniqueness");

    const found = await svc.request("GET", `/Users?filter=${enc('userName eq "ada.lovelace@example.com"')}`);
    expect(found.status).toBe(200);
    expect(found.body.totalResults).toBe(1);
    expect(found.body.Resources[0].id).toBe(id);

    const none = await svc.request("GET", `/Users?filter=${enc('userName eq "nobody@example.com"')}`);
    expect(none.status).toBe(200);
    expect(none.body.totalResults).toBe(0);

    const patched = await svc.request(
      "PATCH",
      `/Users/${id}`,
      patch({ op: "replace", path: "name.givenName", value: "Augusta" }, { op: "replace", path: "active", value: false }),
    );
    expect(patched.status).toBe(200);
    expect(patched.body.name.givenName).toBe("Augusta");
    expect(patched.body.name.familyName).toBe("Lovelace");
    expect(patched.body.active).toBe(false);

    const got = await svc.request("GET", `/Users/${id}`);
    expect(got.status).toBe(200);
    expect(got.body.active).toBe(false);
    expect(got.body.name.givenName).toBe("Augusta");

    const put = await svc.request("PUT", `/Users/${id}`, {
      ...user("ada.lovelace@example.com", "Ada", "King"),
      active: false,
    });
    expect(put.status).toBe(200);
    expect(put.body.name.familyName).toBe("King");
    expect(put.body.active).toBe(false);

    const listed = (await svc.listUsers()).find((u) => u.id === id);
    expect(listed).toMatchObject({
      userName: "ada.lovelace@example.com",
      active: false,
      name: { givenName: "Ada", familyName: "King" },
      emails: [{ value: "ada.lovelace@example.com" }],
    });

    const del = await svc.request("DELETE", `/Users/${id}`);
    expect(del.status).toBe(204);
    expect((await svc.request("GET", `/Users/${id}`)).status).toBe(404);
    expect((await svc.request("DELETE", `/Users/${id}`)).status).toBe(404);
  });

  it("creates a group with a member, patches members, renames and deletes it", async () => {
    const a = await svc.request("POST", "/Users", user("grace.hopper@example.com", "Grace", "Hopper"));
    const b = await svc.request("POST", "/Users", user("alan.turing@example.com", "Alan", "Turing"));
    expect([a.status, b.status]).toEqual([201, 201]);
    const aId: string = a.body.id;
    const bId: string = b.body.id;

    const g = await svc.request("POST", "/Groups", {
      schemas: [SCIM_GROUP_SCHEMA],
      displayName: "Compilers",
      members: [{ value: aId }],
    });
    expect(g.status).toBe(201);
    const gid: string = g.body.id;
    expect(g.body.members.map((m: any) => m.value)).toEqual([aId]);

    const bad = await svc.request("POST", "/Groups", {
      schemas: [SCIM_GROUP_SCHEMA],
      displayName: "Ghosts",
      members: [{ value: "no-such-user" }],
    });
    expect(bad.status).toBe(400);

    const added = await svc.request("PATCH", `/Groups/${gid}`, patch({ op: "add", path: "members", value: [{ value: bId }] }));
    expect(added.status).toBe(200);
    expect(added.body.members.map((m: any) => m.value).sort()).toEqual([aId, bId].sort());

    const removed = await svc.request("PATCH", `/Groups/${gid}`, patch({ op: "remove", path: `members[value eq "${aId}"]` }));
    expect(removed.status).toBe(200);
    expect(removed.body.members.map((m: any) => m.value)).toEqual([bId]);

    const readded = await svc.request("PATCH", `/Groups/${gid}`, patch({ op: "add", path: "members", value: [{ value: aId }] }));
    expect(readded.status).toBe(200);
    const removedByValue = await svc.request(
      "PATCH",
      `/Groups/${gid}`,
      patch({ op: "remove", path: "members", value: [{ value: bId }] }),
    );
    expect(removedByValue.status).toBe(200);
    expect(removedByValue.body.members.map((m: any) => m.value)).toEqual([aId]);

    const renamed = await svc.request("PATCH", `/Groups/${gid}`, patch({ op: "replace", path: "displayName", value: "Compiler Team" }));
    expect(renamed.status).toBe(200);
    expect(renamed.body.displayName).toBe("Compiler Team");

    const byName = await svc.request("GET", `/Groups?filter=${enc('displayName eq "Compiler Team"')}`);
    expect(byName.status).toBe(200);
    expect(byName.body.totalResults).toBe(1);
    expect(byName.body.Resources[0].id).toBe(gid);
    expect((await svc.request("GET", `/Groups?filter=${enc('displayName eq "Compilers"')}`)).body.totalResults).toBe(0);

    const groups = await svc.listGroups();
    expect(groups.find((x) => x.id === gid)).toMatchObject({ displayName: "Compiler Team", members: [aId] });

    // Deleting a member user takes it out of the group on both targets.
    expect((await svc.request("DELETE", `/Users/${aId}`)).status).toBe(204);
    expect((await svc.request("GET", `/Groups/${gid}`)).body.members ?? []).toEqual([]);

    expect((await svc.request("DELETE", `/Groups/${gid}`)).status).toBe(204);
    expect((await svc.request("GET", `/Groups/${gid}`)).status).toBe(404);
    expect((await svc.request("DELETE", `/Users/${bId}`)).status).toBe(204);
    expect(await svc.listGroups()).toEqual([]);
  });

  it("pages through users", async () => {
    const n = 12;
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const r = await svc.request("POST", "/Users", user(`pager${i}@example.com`, "Page", String(i)));
      expect(r.status).toBe(201);
      ids.push(r.body.id);
    }
    const page = await svc.request("GET", "/Users?startIndex=4&count=5");
    expect(page.status).toBe(200);
    expect(page.body.totalResults).toBe(n);
    expect(page.body.startIndex).toBe(4);
    expect(page.body.Resources).toHaveLength(5);
    const all = await svc.listUsers();
    expect(all.map((u) => u.id).sort()).toEqual([...ids].sort());
    for (const id of ids) expect((await svc.request("DELETE", `/Users/${id}`)).status).toBe(204);
  });

  it("misbehaves on demand behind the fault proxy, then passes through", async () => {
    const proxy = await startFaultProxy(svc.baseUrl);
    try {
      expect(new URL(proxy.baseUrl).pathname).toBe(new URL(svc.baseUrl).pathname);
      const via = (method: string, path: string, body?: unknown) => scimFetch(proxy.baseUrl, svc.token, method, path, body);

      proxy.inject({
        method: "POST",
        pathIncludes: "/Users",
        times: 1,
        status: 429,
        headers: { "retry-after": "1" },
        body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "429", detail: "slow down" }),
      });
      proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 500, body: "boom" });

      const before = svc.requestCount();
      const body = user("proxied@example.com", "Pro", "Xy");

      const r429 = await fetch(`${proxy.baseUrl}/Users`, {
        method: "POST",
        headers: { authorization: `Bearer ${svc.token}`, "content-type": "application/scim+json" },
        body: JSON.stringify(body),
      });
      expect(r429.status).toBe(429);
      expect(r429.headers.get("retry-after")).toBe("1");
      expect(r429.headers.get("content-type")).toBe("application/scim+json");
      expect((await r429.json()).detail).toBe("slow down");

      const r500 = await via("POST", "/Users", body);
      expect(r500).toEqual({ status: 500, body: "boom" });
      expect(svc.requestCount()).toBe(before);

      const ok = await via("POST", "/Users", body);
      expect(ok.status).toBe(201);
      expect(svc.requestCount()).toBe(before + 1);
      const id: string = ok.body.id;

      expect(proxy.log.slice(-3)).toEqual([
        { method: "POST", path: new URL(proxy.baseUrl).pathname + "/Users", status: 429, injected: true },
        { method: "POST", path: new URL(proxy.baseUrl).pathname + "/Users", status: 500, injected: true },
        { method: "POST", path: new URL(proxy.baseUrl).pathname + "/Users", status: 201, injected: false },
      ]);

      proxy.inject({ method: "GET", times: 1, status: 200, body: "<html>not json</html>" });
      const nonsense = await via("GET", `/Users/${id}`);
      expect(nonsense).toEqual({ status: 200, body: "<html>not json</html>" });

      proxy.inject({
        times: 1,
        status: 400,
        body: JSON.stringify({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400", scimType: "invalidValue", detail: "no" }),
      });
      const scimErr = await via("PATCH", `/Users/${id}`, patch({ op: "replace", path: "active", value: false }));
      expect(scimErr.status).toBe(400);
      expect(scimErr.body.scimType).toBe("invalidValue");

      proxy.inject({ pathIncludes: `/Users/${id}`, times: 1, dropConnection: true });
      await expect(via("GET", `/Users/${id}`)).rejects.toThrow();

      proxy.inject({ pathIncludes: `/Users/${id}`, times: 1, delayMs: 60_000, status: 200, body: "{}" });
      const hung = fetch(`${proxy.baseUrl}/Users/${id}`, {
        headers: { authorization: `Bearer ${svc.token}` },
        signal: AbortSignal.timeout(300),
      });
      await expect(hung).rejects.toThrow();

      proxy.inject({ pathIncludes: `/Users/${id}`, times: 1, delayMs: 150 });
      const t0 = performance.now();
      const slow = await via("GET", `/Users/${id}`);
      expect(slow.status).toBe(200);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(140);

      proxy.inject({ times: 5, status: 503 });
      proxy.clear();
      expect((await via("GET", `/Users/${id}`)).status).toBe(200);
      expect((await via("DELETE", `/Users/${id}`)).status).toBe(204);
    } finally {
      await proxy.stop();
    }
    expect(await canConnect(portOf(proxy.baseUrl))).toBe(false);
  });
});

// The quirks documented at the top of each harness file; pinned so an upgrade that changes them is noticed.
describe("better-auth quirks", () => {
  let svc: ScimService;
  beforeAll(async () => {
    svc = await startBetterAuthScim();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("needs an email, folds case in filters, keeps deleted emails taken, rejects or-filters and /Bulk", async () => {
    const noEmail = await svc.request("POST", "/Users", { schemas: [SCIM_USER_SCHEMA], userName: "plainname" });
    expect(noEmail.status).toBe(400);
    expect(noEmail.body.scimType).toBe("invalidValue");

    const u = await svc.request("POST", "/Users", { schemas: [SCIM_USER_SCHEMA], userName: "Mixed.Case@Example.com" });
    expect(u.status).toBe(201);
    expect(u.body.emails[0].value).toBe("mixed.case@example.com");
    const folded = await svc.request("GET", `/Users?filter=${enc('USERNAME eq "mixed.case@example.com"')}`);
    expect(folded.body.totalResults).toBe(1);

    const orFilter = await svc.request("GET", `/Users?filter=${enc('userName eq "a" or userName eq "b"')}`);
    expect(orFilter.status).toBe(400);
    expect(orFilter.body.scimType).toBe("invalidFilter");

    expect((await svc.request("DELETE", `/Users/${u.body.id}`)).status).toBe(204);
    const again = await svc.request("POST", "/Users", { schemas: [SCIM_USER_SCHEMA], userName: "Mixed.Case@Example.com" });
    expect(again.status).toBe(409);
    expect(again.body.detail).toMatch(/already uses this email/);

    const withExt = { schemas: [SCIM_USER_SCHEMA], userName: "ext.user@example.com", externalId: "ldap-42" };
    const first = await svc.request("POST", "/Users", withExt);
    expect((await svc.request("DELETE", `/Users/${first.body.id}`)).status).toBe(204);
    expect((await svc.request("POST", "/Users", withExt)).status).toBe(201);

    const bulk = await svc.request("POST", "/Bulk", { schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [] });
    expect(bulk).toEqual({ status: 404, body: null });
  });
});

describe("scimmy quirks", () => {
  let svc: ScimService;
  beforeAll(async () => {
    svc = await startScimmy();
  });
  afterAll(async () => {
    await svc?.stop();
  });

  it("answers 204 to no-op PATCH, filters case-sensitively, allows duplicate group names, wants real booleans", async () => {
    const u = await svc.request("POST", "/Users", { schemas: [SCIM_USER_SCHEMA], userName: "Linus" });
    expect(u.status).toBe(201);
    const noop = await svc.request("PATCH", `/Users/${u.body.id}`, patch({ op: "replace", path: "userName", value: "Linus" }));
    expect(noop).toEqual({ status: 204, body: null });

    expect((await svc.request("POST", "/Users", { schemas: [SCIM_USER_SCHEMA], userName: "linus" })).status).toBe(409);
    expect((await svc.request("GET", `/Users?filter=${enc('userName eq "linus"')}`)).body.totalResults).toBe(0);
    const exact = await svc.request("GET", `/Users?filter=${enc('userName eq "Linus"')}`);
    expect(exact.body.totalResults).toBe(1);
    expect(exact.body.itemsPerPage).toBe(20);

    const strBool = await svc.request("POST", "/Users", { schemas: [SCIM_USER_SCHEMA], userName: "x", active: "false" });
    expect(strBool.status).toBe(400);

    const g1 = await svc.request("POST", "/Groups", { schemas: [SCIM_GROUP_SCHEMA], displayName: "Same" });
    const g2 = await svc.request("POST", "/Groups", { schemas: [SCIM_GROUP_SCHEMA], displayName: "Same" });
    expect([g1.status, g2.status]).toEqual([201, 201]);
    expect((await svc.request("GET", `/Groups?filter=${enc('displayName eq "Same"')}`)).body.totalResults).toBe(2);
  });

  it("runs Bulk with bulkId references and keeps every parallel group PATCH", async () => {
    const bulk = await svc.request("POST", "/Bulk", {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [
        { method: "POST", path: "/Users", bulkId: "u1", data: { schemas: [SCIM_USER_SCHEMA], userName: "bulk.user" } },
        {
          method: "POST",
          path: "/Groups",
          bulkId: "g1",
          data: { schemas: [SCIM_GROUP_SCHEMA], displayName: "Bulk Group", members: [{ value: "bulkId:u1" }] },
        },
      ],
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.Operations.map((o: any) => o.status)).toEqual(["201", "201"]);
    const userId = String(bulk.body.Operations[0].location).split("/").pop();
    const groupId = String(bulk.body.Operations[1].location).split("/").pop();
    const group = await svc.request("GET", `/Groups/${groupId}`);
    expect(group.body.members.map((m: any) => m.value)).toEqual([userId]);
    const bulkUser = await svc.request("GET", `/Users/${userId}`);
    expect(bulkUser.body.groups.map((g: any) => g.value)).toEqual([groupId]);

    const ids: string[] = [];
    for (let i = 0; i < 25; i++) {
      ids.push((await svc.request("POST", "/Users", { schemas: [SCIM_USER_SCHEMA], userName: `par${i}` })).body.id);
    }
    const results = await Promise.all(
      ids.map((id) => svc.request("PATCH", `/Groups/${groupId}`, patch({ op: "add", path: "members", value: [{ value: id }] }))),
    );
    expect(new Set(results.map((r) => r.status))).toEqual(new Set([200]));
    expect((await svc.request("GET", `/Groups/${groupId}`)).body.members).toHaveLength(26);
  });
});

describe("harness shutdown", () => {
  it("releases ports and drops the Better Auth database", async () => {
    const dbsBefore = await harnessDatabases();
    const ba = await startBetterAuthScim();
    const sc = await startScimmy({ token: "fixed-token" });
    expect(sc.token).toBe("fixed-token");
    expect((await harnessDatabases()).length).toBe(dbsBefore.length + 1);
    expect(await canConnect(portOf(ba.baseUrl))).toBe(true);
    expect(await canConnect(portOf(sc.baseUrl))).toBe(true);
    await Promise.all([ba.stop(), sc.stop()]);
    await ba.stop();
    expect(await canConnect(portOf(ba.baseUrl))).toBe(false);
    expect(await canConnect(portOf(sc.baseUrl))).toBe(false);
    expect(await harnessDatabases()).toEqual(dbsBefore);
  });
});
