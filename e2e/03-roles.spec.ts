// Roles are enforced on the server: a viewer sees operations but cannot run them (the
// UI refuses and so does the API, with a session or with a token); an operator runs
// operations but cannot change configuration or manage users; no credentials, no API.
import type { APIRequestContext } from "@playwright/test";
import { csrfToken, expect, screenshot, signInViaApi, stackState, test } from "./fixtures";

async function anyChannelId(request: APIRequestContext): Promise<number> {
  const { channels } = (await (await request.get("/api/v1/channels")).json()) as { channels: Array<{ id: number }> };
  if (channels[0]) return channels[0].id;
  // this file may run alone: make a channel as the admin would
  const s = stackState();
  const res = await request.post("/api/v1/channels", {
    headers: { "x-csrf-token": await csrfToken(request) },
    data: {
      config: {
        name: "roles",
        connectionId: "roles",
        source: { url: s.slapd.url, bindDn: s.slapd.adminDn, bindPassword: s.slapd.adminPassword, baseDn: s.slapd.peopleDn, groupDn: s.slapd.provisioningGroupDn },
        target: { url: s.scim.baseUrl, auth: { type: "bearer", token: s.scim.token } },
      },
    },
  });
  expect(res.status()).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

test("a viewer cannot run an operation: the UI and the API both refuse", async ({ page, playwright }) => {
  const s = stackState();
  const admin = await playwright.request.newContext({ baseURL: s.baseURL });
  await signInViaApi(admin, "admin");
  const channelId = await anyChannelId(admin);
  const created = await admin.post("/api/v1/api-tokens", { headers: { "x-csrf-token": await csrfToken(admin) }, data: { name: "viewer-bot", role: "viewer" } });
  expect(created.status()).toBe(201);
  const viewerToken = ((await created.json()) as { token: string }).token;

  await signInViaApi(page.request, "viewer");
  await page.goto(`/channels/${channelId}/operations`);
  await expect(page.getByText("You are signed in as a viewer")).toBeVisible();
  for (const op of ["reset-all", "clear-dirty-records", "delete-all"]) await expect(page.locator(`[data-operation="${op}"]`)).toBeDisabled();
  await screenshot(page, "20-viewer-operations");

  // the API refuses the viewer's session, even with a valid CSRF token…
  const token = await csrfToken(page.request);
  const bySession = await page.request.post(`/api/v1/channels/${channelId}/operations/reset-all`, { headers: { "x-csrf-token": token }, data: {} });
  expect(bySession.status()).toBe(403);
  expect(((await bySession.json()) as { error: { code: string } }).error.code).toBe("FORBIDDEN");
  // …and the viewer's API token
  const bot = await playwright.request.newContext({ baseURL: s.baseURL, extraHTTPHeaders: { authorization: `Bearer ${viewerToken}` } });
  expect((await bot.post(`/api/v1/channels/${channelId}/operations/reset-all`, { data: {} })).status()).toBe(403);
  expect((await bot.get(`/api/v1/channels/${channelId}`)).status()).toBe(200);
  await bot.dispose();

  // pages for admins say so, and give nothing away
  await page.goto("/channels/new");
  await expect(page.getByText("You do not have access to this page")).toBeVisible();
  await screenshot(page, "21-viewer-forbidden");
  await page.goto("/settings/users");
  await expect(page.getByText("You do not have access to this page")).toBeVisible();
  expect((await page.request.get("/api/v1/console-users")).status()).toBe(403);

  // nothing was done in the viewer's name
  // (the viewer's own sign-in is audited; nothing else is)
  const audit = (await (await admin.get("/api/v1/audit", { params: { actor: "victor" } })).json()) as { items: Array<{ action: string }> };
  expect(audit.items.map((i) => i.action)).toContain("sign-in");
  expect(audit.items.filter((i) => !i.action.startsWith("sign-in"))).toHaveLength(0);
  await admin.dispose();
});

test("an operator runs operations but cannot change configuration", async ({ page }) => {
  await signInViaApi(page.request, "operator");
  const channelId = await anyChannelId(page.request).catch(() => 0);
  expect(channelId).toBeGreaterThan(0);
  const headers = { "x-csrf-token": await csrfToken(page.request) };
  expect((await page.request.post(`/api/v1/channels/${channelId}/operations/reset-group-timestamp`, { headers, data: {} })).status()).toBe(200);
  expect((await page.request.post(`/api/v1/channels/${channelId}/status`, { headers, data: { active: false } })).status()).toBe(403);
  expect((await page.request.post("/api/v1/connection-tests/target", { headers, data: { config: {} } })).status()).toBe(403);
  expect((await page.request.get("/api/v1/api-tokens")).status()).toBe(403);
  // delete-all needs the channel's name, from the API too
  const unconfirmed = await page.request.post(`/api/v1/channels/${channelId}/operations/delete-all`, { headers, data: {} });
  expect(unconfirmed.status()).toBe(400);
});

test("state changes need the CSRF token; no credentials, no API", async ({ page, playwright }) => {
  await signInViaApi(page.request, "admin");
  const { channels } = (await (await page.request.get("/api/v1/channels")).json()) as { channels: Array<{ id: number }> };
  const id = channels[0]?.id ?? 1;
  const noCsrf = await page.request.post(`/api/v1/channels/${id}/operations/reset-group-timestamp`, { data: {} });
  expect(noCsrf.status()).toBe(403);
  expect(((await noCsrf.json()) as { error: { code: string } }).error.code).toBe("CSRF");
  const crossSite = await page.request.post(`/api/v1/channels/${id}/operations/reset-group-timestamp`, {
    headers: { "x-csrf-token": await csrfToken(page.request), origin: "https://evil.example" },
    data: {},
  });
  expect(crossSite.status()).toBe(403);

  // and no page can be framed by another site (the buttons delete and reset)
  const headers = (await page.request.get("/login")).headers();
  expect(headers["x-frame-options"]).toBe("DENY");
  expect(headers["content-security-policy"]).toContain("frame-ancestors 'none'");

  const anon = await playwright.request.newContext({ baseURL: stackState().baseURL });
  expect((await anon.get("/api/v1/channels")).status()).toBe(401);
  expect((await anon.get("/api/v1/channels", { headers: { authorization: "Bearer fry_notavalidtoken" } })).status()).toBe(401);
  await anon.dispose();
});
