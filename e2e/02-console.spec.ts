// The admin's path through the console: create a channel with both connection tests,
// watch the worker provision its users, open a user, run a reset through its dialog
// (and cancel one), and find it in the audit log. Screenshots of the main pages go to
// test-results/screenshots.
import pg from "pg";
import { csrfToken, expect, screenshot, signInViaApi, stackState, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

const NAME = "Acme Wiki";
let channelId = 0;

test.beforeEach(async ({ page }) => {
  await signInViaApi(page.request, "admin");
});

test("create a channel, testing the directory and the SCIM target", async ({ page }) => {
  const s = stackState();
  await page.goto("/channels");
  await expect(page.getByText("No channels yet")).toBeVisible();
  await screenshot(page, "02-channels-empty");

  await page.getByRole("link", { name: "New channel" }).click();
  await expect(page.getByRole("heading", { name: "New channel" })).toBeVisible();
  await page.getByLabel("Channel name").fill(NAME);
  await page.getByLabel("Connection ID").fill("acme-wiki");
  await page.getByLabel("Sync frequency (seconds)").fill("5");
  await page.getByLabel("Directory URL").fill(s.slapd.url);
  await page.getByLabel("Bind DN").fill(s.slapd.adminDn);
  await page.getByLabel("Bind password").fill(s.slapd.adminPassword);
  await page.getByLabel("Base DN", { exact: true }).fill(s.slapd.peopleDn);
  await page.getByLabel("Provisioning group DN").fill(s.slapd.provisioningGroupDn);
  await page.getByLabel("Disabled users are read from").selectOption("attribute");
  await page.getByLabel("Disabled attribute").fill("employeeType");
  await page.getByLabel("…when it holds").fill("disabled");
  await page.getByLabel("Provision groups").check();
  await page.getByLabel("Group filter").fill("(&(objectClass=groupOfNames)(!(cn=app-users)))");
  await page.getByLabel("Group base DN").fill(s.slapd.groupsDn);

  await page.getByRole("button", { name: "Test connection" }).click();
  await expect(page.getByTestId("users-in-scope")).toHaveText(String(s.directoryUsers));
  await expect(page.getByTestId("source-test-result")).toContainText("2 groups to provision");
  await expect(page.getByTestId("source-test-result")).toContainText("e2euser01");

  await page.getByLabel("SCIM base URL").fill(s.scim.baseUrl);
  await page.getByLabel("Bearer token").fill(s.scim.token);
  await page.getByRole("button", { name: "Test target" }).click();
  await expect(page.getByTestId("target-test-result")).toContainText("Read the ServiceProviderConfig");
  await expect(page.getByTestId("users-at-target")).toHaveText("0");
  await screenshot(page, "03-new-channel-tested");

  // its first cycle, planned before it is created: whom it would create
  await page.getByRole("button", { name: "Preview", exact: true }).click();
  const preview = page.getByTestId("edit-preview");
  await expect(preview).toContainText("The first cycle of this channel (not created)", { timeout: 30_000 });
  await expect(preview.getByRole("table", { name: "Users to create" })).toContainText("e2euser01");
  await expect(preview.getByText("Users to create", { exact: true }).locator("..")).toContainText(String(s.directoryUsers));
  await screenshot(page, "03b-new-channel-preview");
  expect(((await (await page.request.get("/api/v1/channels")).json()) as { channels: unknown[] }).channels).toHaveLength(0);

  await page.getByRole("button", { name: "Create channel" }).click();
  await expect(page).toHaveURL(/\/channels\/\d+$/);
  channelId = Number(page.url().split("/").pop());
  await expect(page.getByRole("heading", { name: NAME })).toBeVisible();
});

test("users appear provisioned, live", async ({ page }) => {
  const s = stackState();
  await page.goto("/channels");
  const row = page.getByTestId(`channel-row-${channelId}`);
  // the worker's first cycle provisions everyone; the list refreshes by itself
  await expect(row.getByTestId("users-dirty")).toHaveText(`${s.directoryUsers} / 0`, { timeout: 60_000 });
  await expect(row.getByTestId("last-cycle")).toContainText("Success", { timeout: 30_000 });
  await screenshot(page, "04-channels");

  await row.getByRole("link", { name: NAME }).click();
  await expect(page.getByText("Provisioned", { exact: true })).toBeVisible();
  await expect(page.getByRole("table", { name: "Last cycles" })).toContainText("Success");
  // when the worker last looked and found nothing to do (lib/sync/quiet-poll.ts), or "at the last cycle"
  await expect(page.getByText("Last checked", { exact: true })).toBeVisible();
  await screenshot(page, "05-channel-overview");
});

test("a failing channel shows its error, and its dirty records theirs", async ({ page }) => {
  const s = stackState();
  const headers = { "x-csrf-token": await csrfToken(page.request) };
  const channel = (name: string, source: Record<string, unknown>, token: string) => ({
    config: {
      name,
      connectionId: name.toLowerCase().replace(/\W+/g, "-"),
      syncFrequencySec: 30,
      source: { url: s.slapd.url, bindDn: s.slapd.adminDn, bindPassword: s.slapd.adminPassword, baseDn: s.slapd.peopleDn, groupDn: s.slapd.provisioningGroupDn, ...source },
      target: { url: s.scim.baseUrl, auth: { type: "bearer", token }, maxRetries: 0 },
    },
  });
  // a directory that is not there, and a SCIM token the target refuses
  const down = await page.request.post("/api/v1/channels", { headers, data: channel("HR directory (down)", { url: "ldap://127.0.0.1:9" }, s.scim.token) });
  expect(down.status()).toBe(201);
  const refused = await page.request.post("/api/v1/channels", { headers, data: channel("Payroll (wrong token)", {}, "not-the-token") });
  expect(refused.status()).toBe(201);
  const downId = ((await down.json()) as { id: number }).id;
  const refusedId = ((await refused.json()) as { id: number }).id;

  await page.goto("/channels");
  await expect(page.getByTestId(`channel-row-${downId}`).getByTestId("last-cycle")).toContainText("Failed", { timeout: 30_000 });
  await expect(page.getByRole("table", { name: "Channels" })).toContainText("Last cycle failed: directory read failed, nobody deprovisioned");
  await expect(page.getByTestId(`channel-row-${refusedId}`).getByTestId("users-dirty")).toHaveText("12 / 12", { timeout: 30_000 });
  await screenshot(page, "04b-channels-failing");

  await page.goto(`/channels/${refusedId}/dirty`);
  // the target refused the token: each record it left dirty carries the refusal, and the cycle says why
  await expect(page.getByRole("table", { name: "users" })).toContainText("Failing · create");
  await expect(page.getByRole("table", { name: "users" })).toContainText("401 Invalid or missing bearer token (the push stopped before this record was sent)");
  await expect(page.getByTestId("last-cycle-message")).toContainText("401");
  await screenshot(page, "04c-dirty-records");
  await page.goto(`/channels/${downId}`);
  // failing: the directory cannot be read, cycle after cycle
  await expect(page.getByText(/^(The last cycle failed|Failing for \d+ cycles in a row)$/)).toBeVisible();
  await expect(page.getByTestId("channel-health")).toHaveText(/Failing|Quarantined/);
  await screenshot(page, "04d-channel-failed");

  // keep them from running again while the rest of the suite works
  for (const id of [downId, refusedId]) {
    expect((await page.request.post(`/api/v1/channels/${id}/status`, { headers, data: { active: false } })).status()).toBe(200);
  }
});

test("open a user's detail and history", async ({ page }) => {
  await page.goto(`/channels/${channelId}/users`);
  await expect(page.getByTestId("records-count")).toContainText("of 12");
  await screenshot(page, "06-users");
  await page.getByLabel("Search users").fill("e2euser03");
  await expect(page.getByTestId("records-count")).toHaveText("1–1 of 1");
  await page.getByRole("link", { name: "e2euser03" }).click();
  await expect(page.getByTestId("record-title")).toHaveText("e2euser03");
  await expect(page.getByTestId("scim-id")).not.toBeEmpty();
  await expect(page.getByRole("table", { name: "LDAP attributes" })).toContainText("e2euser03@example.com");
  await screenshot(page, "07-user-detail");
  await page.getByRole("link", { name: "History" }).click();
  await expect(page.getByText("Acknowledged by the service provider")).toBeVisible();
  await screenshot(page, "08-user-history");

  await page.goto(`/channels/${channelId}/groups`);
  await expect(page.getByRole("link", { name: "engineering" })).toBeVisible();
  await screenshot(page, "09-groups");
  // a group's page explains it: its scope rules, its members against the target's, the decision
  await page.getByRole("link", { name: "engineering" }).click();
  const explain = page.getByTestId("explain-panel");
  await expect(explain.getByTestId("explain-summary")).toHaveText(/^in scope; at the target: active; \d+ member\(s\) in the directory, \d+ at the target$/, { timeout: 30_000 });
  await expect(explain.locator('[data-rule="filter"]')).toHaveAttribute("data-ok", "yes");
  await expect(explain.getByTestId("explain-members")).toContainText("direct members");
  await expect(explain.getByTestId("explain-decision")).toContainText("up to date at the target");
  await screenshot(page, "09b-group-explain");

  await page.goto(`/channels/${channelId}/config`);
  await expect(page.getByTestId("masked-bind-password")).toHaveText(/^\*{8}/);
  await expect(page.locator("body")).not.toContainText(stackState().slapd.adminPassword);
  await expect(page.locator("body")).not.toContainText(stackState().scim.token);
  await screenshot(page, "10-source-target");
});

test("run a reset through its dialog, after cancelling two", async ({ page }) => {
  await page.goto(`/channels/${channelId}/operations`);
  await screenshot(page, "11-operations");

  // cancelled: nothing happens
  await page.locator('[data-operation="reset-attribute-sync"]').click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading")).toContainText(`Reset attribute sync on "${NAME}"?`);
  await expect(dialog.getByTestId("operation-effects")).toContainText("the next cycle looks at all 12 users");
  await screenshot(page, "12-reset-dialog");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  // delete-all asks for the channel's name before its button works
  await page.locator('[data-operation="delete-all"]').click();
  await expect(dialog.getByTestId("operation-effects")).toContainText("All 12 user records and 2 group records are removed");
  const confirm = dialog.getByRole("button", { name: "Delete all" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type the channel name/).fill("Acme");
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type the channel name/).fill(NAME);
  await expect(confirm).toBeEnabled();
  await screenshot(page, "13-delete-all-dialog");
  await dialog.getByRole("button", { name: "Cancel" }).click();
  await expect(dialog).toBeHidden();

  // run
  await page.locator('[data-operation="reset-values-hash"]').click();
  await expect(dialog.getByTestId("operation-effects")).toContainText("The values hash is removed from 12 users");
  await dialog.getByRole("button", { name: "Reset values hash" }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByRole("status").filter({ hasText: "Reset values hash: 12 user(s)." })).toBeVisible();
});

test("the audit log shows who did it", async ({ page }) => {
  await page.goto("/audit");
  const table = page.getByRole("table", { name: "Audit log" });
  // the newest operation (sign-ins are audited too, and may come after it)
  const first = table.locator("tbody tr").filter({ hasText: "reset-values-hash" }).first();
  await expect(first).toContainText("reset-values-hash");
  await expect(first).toContainText("admin");
  await expect(first).toContainText("console");
  await expect(first).toContainText(NAME);
  await expect(table).toContainText("channel.create");
  // the cancelled ones never reached the server
  await expect(table).not.toContainText("reset-attribute-sync");
  await expect(table).not.toContainText("delete-all");
  await screenshot(page, "14-audit");
});

test("edit the channel without re-entering its secrets", async ({ page }) => {
  // tuning a channel file can set and the form does not show: saving must keep it
  const db = new pg.Client({ connectionString: stackState().databaseUrl });
  await db.connect();
  await db.query(
    `UPDATE channel SET target = jsonb_set(target::jsonb, '{maxRetries}', '5'), source = jsonb_set(source::jsonb, '{pageSize}', '250'),
       options = jsonb_set(options::jsonb, '{deprovisionGuardMinimum}', '7') WHERE id = $1`,
    [channelId],
  );
  await db.end();
  await page.goto(`/channels/${channelId}/edit`);
  await expect(page.getByLabel("Bind password")).toHaveValue("");
  await expect(page.getByLabel("Bind password")).toHaveAttribute("placeholder", /unchanged/);
  await expect(page.getByLabel("Channel name")).toHaveValue(NAME);
  await page.getByLabel("Sync frequency (seconds)").fill("6");
  await page.getByLabel("Matching users by userName").selectOption("create-first");
  await page.getByLabel("Requests in flight").fill("3");
  await screenshot(page, "14b-edit-channel");
  // the cycle the changed settings bring may end right after the save: counted from here
  const since = Date.now();
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page).toHaveURL(new RegExp(`/channels/${channelId}$`));
  await expect(page.getByText("every 6s")).toBeVisible();
  const saved = (await (await page.request.get(`/api/v1/channels/${channelId}`)).json()) as {
    source: { pageSize: number };
    target: { maxRetries: number; maxConcurrency: number; userMatching: string };
    options: { deprovisionGuardMinimum: number };
  };
  expect(saved.target).toMatchObject({ maxRetries: 5, maxConcurrency: 3, userMatching: "create-first" });
  expect(saved.source.pageSize).toBe(250);
  expect(saved.options.deprovisionGuardMinimum).toBe(7);
  // the stored bind password and token still work: the cycle after the save succeeds
  await expect
    .poll(async () => {
      const c = (await (await page.request.get(`/api/v1/channels/${channelId}`)).json()) as { state: { lastCycleAt: string; lastCycleStatus: string } };
      return Date.parse(c.state.lastCycleAt) > since ? c.state.lastCycleStatus : "waiting";
    }, { timeout: 30_000 })
    .toBe("SUCCESS");
});

test("nodes, console users, API tokens and the API page", async ({ page, playwright }) => {
  await page.goto("/nodes");
  await expect(page.getByRole("table", { name: "Nodes" })).toContainText("ACTIVE");
  await expect(page.getByRole("table", { name: "Nodes" })).toContainText("RUNNING");
  await page.getByRole("button", { name: "Force to backup" }).first().click();
  await expect(page.getByRole("dialog")).toContainText("FAILOVER");
  await screenshot(page, "15-nodes-dialog");
  await page.getByRole("dialog").getByRole("button", { name: "Cancel" }).click();
  await screenshot(page, "16-nodes");

  await page.goto("/settings/users");
  await expect(page.getByRole("table", { name: "Console users" })).toContainText("victor");
  await screenshot(page, "17-console-users");

  await page.goto("/settings/tokens");
  await page.getByRole("button", { name: "Create token" }).first().click();
  await page.getByLabel("Name", { exact: true }).fill("nightly-cron");
  await page.getByRole("dialog").getByRole("button", { name: "Create token" }).click();
  const token = (await page.getByTestId("new-token").textContent()) ?? "";
  expect(token).toMatch(/^fry_/);
  await screenshot(page, "18-api-tokens");

  // the token works for automation, as its role allows, and is recorded as token:<name>
  const bot = await playwright.request.newContext({ baseURL: stackState().baseURL, extraHTTPHeaders: { authorization: `Bearer ${token}` } });
  expect((await bot.get("/api/v1/channels")).status()).toBe(200);
  const run = await bot.post(`/api/v1/channels/${channelId}/operations/reset-group-timestamp`, { data: {} });
  expect(run.status()).toBe(200);
  const audit = (await (await bot.get("/api/v1/audit", { params: { action: "reset-group-timestamp" } })).json()) as { items: Array<{ actor: string; via: string }> };
  expect(audit.items[0]).toMatchObject({ actor: "token:nightly-cron", via: "api" });

  // revoked: refused from the next request on
  await page.reload();
  await page.getByRole("button", { name: "Revoke" }).click();
  await page.getByRole("dialog").getByRole("button", { name: "Revoke token" }).click();
  await expect(page.getByRole("table", { name: "API tokens" })).toContainText("revoked");
  expect((await bot.get("/api/v1/channels")).status()).toBe(401);
  await bot.dispose();

  await page.goto("/api-docs");
  await expect(page.getByText("/api/v1/channels/{id}/operations/{operation}").first()).toBeVisible();
  await screenshot(page, "19-api-docs");
});
