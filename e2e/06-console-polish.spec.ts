// Console polish (issue 14, part 7): signing in returns to the page that was asked for
// and never to another site; a channel is deleted through its dialog by typing its name;
// the audit log shows what a channel update changed and downloads as CSV. This file
// makes its own channel, so it runs alone as well as after the others.
import { readFileSync } from "node:fs";
import { csrfToken, expect, screenshot, signInViaApi, stackState, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

const NAME = "Doomed channel";

test("signing in returns to the page asked for, and only to a page of the console", async ({ page }) => {
  const s = stackState();
  const signInWithForm = async () => {
    await page.getByLabel("User name").fill(s.users.operator.username);
    await page.getByLabel("Password").fill(s.users.operator.password);
    await page.getByRole("button", { name: "Sign in" }).click();
  };
  await page.goto("/audit?action=channel");
  await expect(page).toHaveURL(/\/login\?next=%2Faudit%3Faction%3Dchannel$/);
  await signInWithForm();
  await expect(page).toHaveURL(/\/audit\?action=channel$/);
  await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();

  // signed in already: /login?next= goes straight there, or home when next is another site
  for (const evil of ["//evil.example", "https://evil.example/channels", "/\\evil.example"]) {
    await page.goto(`/login?next=${encodeURIComponent(evil)}`);
    await expect(page).toHaveURL(new URL("/channels", s.baseURL).toString());
  }
  await page.goto(`/login?next=${encodeURIComponent("/nodes")}`);
  await expect(page).toHaveURL(/\/nodes$/);

  // through the form: a next that leaves the console is dropped
  await page.context().clearCookies();
  await page.goto(`/login?next=${encodeURIComponent("//evil.example")}`);
  await signInWithForm();
  await expect(page).toHaveURL(new URL("/channels", s.baseURL).toString());
});

test("an admin deletes a channel by typing its name in the dialog", async ({ page }) => {
  test.setTimeout(120_000);
  const s = stackState();
  await signInViaApi(page.request, "admin");
  const headers = { "x-csrf-token": await csrfToken(page.request) };
  const config = {
    name: NAME,
    connectionId: "doomed",
    syncFrequencySec: 5,
    source: { url: s.slapd.url, bindDn: s.slapd.adminDn, bindPassword: s.slapd.adminPassword, baseDn: s.slapd.peopleDn, groupDn: s.slapd.provisioningGroupDn },
    target: { url: s.scim.baseUrl, auth: { type: "bearer", token: s.scim.token } },
  };
  const created = await page.request.post("/api/v1/channels", { headers, data: { config } });
  expect(created.status()).toBe(201);
  const id = ((await created.json()) as { id: number }).id;
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/channels/${id}`)).json()) as { counts: { users: { total: number } } }).counts.users.total, { timeout: 60_000 })
    .toBe(s.directoryUsers);

  // an update first, to find in the audit log what it changed
  const { bindPassword: _typed, ...source } = config.source;
  const put = await page.request.put(`/api/v1/channels/${id}`, { headers, data: { config: { ...config, syncFrequencySec: 7, source, target: { ...config.target, auth: { type: "bearer", token: { keep: true } } } } } });
  expect(put.status(), await put.text()).toBe(200);
  // no more cycles; wait for a running one to end (a delete is refused meanwhile)
  expect((await page.request.post(`/api/v1/channels/${id}/status`, { headers, data: { active: false } })).status()).toBe(200);
  await expect.poll(async () => ((await (await page.request.get(`/api/v1/channels/${id}`)).json()) as { activity: { running: boolean } }).activity.running, { timeout: 30_000 }).toBe(false);

  await page.goto(`/channels/${id}/operations`);
  await page.getByTestId("delete-channel").click();
  const dialog = page.getByRole("dialog");
  await expect(dialog.getByRole("heading", { name: `Delete channel "${NAME}"?` })).toBeVisible();
  await expect(dialog).toContainText(`${s.directoryUsers} user records`);
  const confirm = dialog.getByRole("button", { name: "Delete channel" });
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type the channel name/).fill(NAME.toLowerCase());
  await expect(confirm).toBeDisabled();
  await dialog.getByLabel(/Type the channel name/).fill(NAME);
  await expect(confirm).toBeEnabled();
  await screenshot(page, "60-delete-channel-dialog");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "60b-delete-channel-dialog-phone");
  const box = await dialog.boundingBox();
  expect(box!.x).toBeGreaterThanOrEqual(0);
  expect(box!.x + box!.width).toBeLessThanOrEqual(390);
  await page.setViewportSize({ width: 1440, height: 900 });
  await confirm.click();

  await expect(page).toHaveURL(/\/channels$/);
  await expect(page.getByText(`Channel "${NAME}" deleted with ${s.directoryUsers} user`)).toBeVisible();
  await expect(page.getByTestId(`channel-row-${id}`)).toHaveCount(0);
  expect((await page.request.get(`/api/v1/channels/${id}`)).status()).toBe(404);

  // the audit log: the update's changes and the delete, naming the channel that is gone
  await page.goto(`/audit?`);
  await page.getByLabel("Channel").fill(String(id));
  const log = page.getByRole("table", { name: "Audit log" });
  const del = log.getByRole("row").filter({ hasText: "channel.delete" });
  await expect(del).toContainText(`(deleted: ${NAME})`);
  // this channel's update, with what changed (other specs' channel updates may be listed while the filter applies)
  const update = log.getByRole("row").filter({ hasText: "channel.update" }).filter({ hasText: "syncFrequencySec 5 → 7" });
  await expect(update.getByTestId("audit-changes")).toHaveCount(1);
  await expect(update.getByTestId("audit-changes")).toContainText("syncFrequencySec 5 → 7");
  await expect(log).not.toContainText(s.slapd.adminPassword);
  await screenshot(page, "61-audit-delete-and-diff");
});

test("an admin downloads the filtered audit log as CSV", async ({ page }) => {
  await signInViaApi(page.request, "admin");
  await page.goto("/audit");
  await page.getByLabel("Action").fill("channel.");
  const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Export CSV" }).click()]);
  expect(download.suggestedFilename()).toMatch(/^ferry-audit-.*\.csv$/);
  const text = readFileSync((await download.path())!, "utf8");
  const rows = text.trim().split("\r\n");
  expect(rows[0]).toBe("id,at,actor,via,channel_id,channel_name,action,details");
  expect(rows.length).toBeGreaterThan(2);
  // the filter applies: every row is a channel.* action
  for (const row of rows.slice(1).filter((r) => /^\d+,/.test(r))) expect(row).toMatch(/,channel\./);
  expect(text).toContain("channel.delete");
});
