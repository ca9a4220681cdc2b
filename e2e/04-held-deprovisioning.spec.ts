// The guard in the console: the provisioning group is emptied in the directory, the
// worker holds the deprovisioning of everyone (nobody is disabled at the target), the
// channel list and overview say so and name who; an admin first rejects it (nobody is
// deprovisioned, the channel shows the rejection), then approves it after all through
// its dialog by typing the number held. Putting the group back provisions everyone again.
import { Attribute, Change, Client } from "ldapts";
import { expect, screenshot, signInViaApi, stackState, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

async function setMembers(values: string[]): Promise<void> {
  const s = stackState();
  const c = new Client({ url: s.slapd.url });
  await c.bind(s.slapd.adminDn, s.slapd.adminPassword);
  try {
    await c.modify(s.slapd.provisioningGroupDn, [new Change({ operation: "replace", modification: new Attribute({ type: "member", values }) })]);
  } finally {
    await c.unbind();
  }
}

async function activeAtTarget(): Promise<number> {
  const s = stackState();
  const res = await fetch(`${s.scim.baseUrl}/Users?count=1000`, { headers: { authorization: `Bearer ${s.scim.token}` } });
  const body = (await res.json()) as { Resources?: Array<{ active?: boolean }> };
  return (body.Resources ?? []).filter((u) => u.active !== false).length;
}

test("an emptied provisioning group is held, shown with who, rejected, and released by an admin's approval after all", async ({ page }) => {
  test.setTimeout(120_000);
  const s = stackState();
  await signInViaApi(page.request, "admin");
  const list = (await (await page.request.get("/api/v1/channels")).json()) as { channels: Array<{ id: number; name: string }> };
  const channelId = list.channels.find((c) => c.name === "Acme Wiki")!.id;
  expect(await activeAtTarget()).toBe(s.directoryUsers);

  const everyone = Array.from({ length: s.directoryUsers }, (_, i) => `uid=e2euser${String(i + 1).padStart(2, "0")},${s.slapd.peopleDn}`);
  await setMembers(["cn=nobody,dc=example,dc=com"]);

  await page.goto("/channels");
  await expect(page.getByText("Deprovisioning held for approval")).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId(`channel-row-${channelId}`)).toContainText(`${s.directoryUsers} held`);
  await screenshot(page, "30-channels-held");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "30b-channels-held-phone");
  await page.setViewportSize({ width: 1440, height: 900 });

  await page.goto(`/channels/${channelId}`);
  const banner = page.getByRole("alert").filter({ hasText: `Deprovisioning of ${s.directoryUsers} users held for approval` });
  await expect(banner).toBeVisible();
  await expect(banner).toContainText(`Directory returned no users in scope where ${s.directoryUsers} were known`);
  await expect(banner).toContainText("e2euser01");
  await screenshot(page, "31-channel-held");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "31b-channel-held-phone");
  await page.setViewportSize({ width: 1440, height: 900 });

  // a few more cycles run meanwhile: still nobody deprovisioned
  await page.waitForTimeout(6_000);
  expect(await activeAtTarget()).toBe(s.directoryUsers);

  // the list of who, from the banner's link
  await banner.getByRole("link", { name: `see all ${s.directoryUsers} users` }).click();
  await expect(page).toHaveURL(/\/users\?state=held$/);
  await expect(page.getByRole("table", { name: "users" })).toContainText("e2euser12");
  await screenshot(page, "32-users-held");

  // rejected: nobody is deprovisioned, and the channel says so, with who and why
  await page.goto(`/channels/${channelId}`);
  await page.getByRole("button", { name: "Reject…" }).click();
  const rejecting = page.getByRole("dialog");
  await expect(rejecting).toContainText(`Reject deprovisioning of ${s.directoryUsers} users?`);
  const keep = rejecting.getByRole("button", { name: `Keep ${s.directoryUsers} users` });
  await expect(keep).toBeDisabled();
  await rejecting.getByLabel(/Type the number/).fill(String(s.directoryUsers));
  await rejecting.getByLabel(/Why/).fill("the group was emptied by a bad import");
  await screenshot(page, "33a-reject-dialog");
  await keep.click();
  await expect(page.getByText(`Rejected: ${s.directoryUsers} users stay at the target.`)).toBeVisible();
  const rejected = page.getByRole("status").filter({ hasText: `Deprovisioning of ${s.directoryUsers} users rejected` });
  await expect(rejected).toBeVisible();
  await expect(rejected).toContainText("Rejected by admin");
  await expect(rejected).toContainText("(the group was emptied by a bad import)");
  await screenshot(page, "33b-channel-rejected");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "33c-channel-rejected-phone");
  await page.setViewportSize({ width: 1440, height: 900 });
  // each person's page says who rejected their deprovisioning, and why
  await page.goto(`/channels/${channelId}/users?state=held`);
  await page.getByRole("link", { name: "e2euser03" }).click();
  await expect(page.getByText(/Deprovisioning rejected \(hold #\d+\)/)).toBeVisible();
  await expect(page.getByText("(the group was emptied by a bad import)")).toBeVisible();
  await screenshot(page, "33d-user-rejected");
  await page.goto(`/channels/${channelId}`);
  await page.waitForTimeout(6_000);
  expect(await activeAtTarget()).toBe(s.directoryUsers);
  await expect(page.getByText(`Deprovisioning of ${s.directoryUsers} users held for approval`)).toHaveCount(0);

  // approved after all
  await page.getByRole("button", { name: "Approve after all…" }).click();
  const dialog = page.getByRole("dialog");
  await expect(dialog).toContainText(`Deprovision ${s.directoryUsers} users?`);
  const approve = dialog.getByRole("button", { name: `Deprovision ${s.directoryUsers} users` });
  await expect(approve).toBeDisabled();
  await dialog.getByLabel(/Type the number/).fill(String(s.directoryUsers - 1));
  await expect(approve).toBeDisabled();
  await dialog.getByLabel(/Type the number/).fill(String(s.directoryUsers));
  await screenshot(page, "33-approve-dialog");
  await approve.click();
  await expect(page.getByText(/Approved: the next cycle deprovisions 12 users/)).toBeVisible();

  await expect.poll(activeAtTarget, { timeout: 30_000 }).toBe(0);
  await expect(page.getByText(`Deprovisioning of ${s.directoryUsers} users held for approval`)).toHaveCount(0, { timeout: 15_000 });
  await expect(page.getByText(`Deprovisioning of ${s.directoryUsers} users rejected`)).toHaveCount(0, { timeout: 15_000 });

  // the directory put back: everyone is provisioned again
  await setMembers(everyone);
  await expect.poll(activeAtTarget, { timeout: 30_000 }).toBe(s.directoryUsers);
});
