// Target profiles, the conformance probe and unmanaged accounts in the console (issue 15):
// Test target on the channel's edit page shows what the probe found and suggests the
// SCIMMY profile, which one click applies; the channel's Target accounts tab lists an
// account made by hand at the target (no directory object linked), which Ferry left
// alone, and Ignore hides it. Chromium, desktop and phone widths, against the stack's
// real worker, slapd and SCIMMY. The target is shared with the other specs: only this
// spec's users (e2einv…) are compared.
import { csrfToken, expect, screenshot, signInViaApi, stackState, test, withDirectory } from "./fixtures";

test.describe.configure({ mode: "serial" });

const PHONE = { width: 390, height: 844 };
const DESKTOP = { width: 1440, height: 900 };
const HANDMADE = "e2einv-handmade";
const uid = (n: number) => `e2einv${String(n).padStart(2, "0")}`;
let id = 0;

async function scim(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const s = stackState();
  const res = await fetch(`${s.scim.baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${s.scim.token}`, "content-type": "application/scim+json" },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

test("a first load by inventory leaves a hand-made account alone and lists it as unmanaged; Ignore hides it", async ({ page }) => {
  test.setTimeout(150_000);
  const s = stackState();
  const people = (n: number) => `uid=${uid(n)},${s.slapd.peopleDn}`;
  const groupDn = `cn=inv-users,${s.slapd.groupsDn}`;
  await withDirectory(async (c) => {
    for (let n = 1; n <= 3; n++) await c.add(people(n), { objectClass: ["inetOrgPerson"], uid: uid(n), cn: `Inv ${n}`, givenName: "Inv", sn: `Person${n}`, mail: `${uid(n)}@example.com` });
    await c.add(groupDn, { objectClass: ["groupOfNames"], cn: "inv-users", member: [1, 2, 3].map(people) });
  });
  const made = await scim("POST", "/Users", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: HANDMADE, active: true, emails: [{ value: "handmade@example.com" }] });
  expect(made.status).toBe(201);

  await signInViaApi(page.request, "admin");
  const res = await page.request.post("/api/v1/channels", {
    headers: { "x-csrf-token": await csrfToken(page.request) },
    data: {
      config: {
        name: "Intranet (inventory)",
        connectionId: "intranet-inventory",
        syncFrequencySec: 3600,
        source: { url: s.slapd.url, bindDn: s.slapd.adminDn, bindPassword: s.slapd.adminPassword, baseDn: s.slapd.peopleDn, groupDn },
        target: { url: s.scim.baseUrl, auth: { type: "bearer", token: s.scim.token } },
        options: { provisionGroups: false },
      },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  id = ((await res.json()) as { id: number }).id;
  await page.goto(`/channels/${id}`);
  await expect(page.getByTestId("channel-health")).toHaveText("Healthy", { timeout: 60_000 });
  const ours = async () => ((await scim("GET", "/Users?count=1000")).body.Resources as Array<{ userName: string; active: boolean }>).filter((u) => u.userName.startsWith("e2einv"));
  await expect.poll(async () => (await ours()).length, { timeout: 30_000 }).toBe(4);

  await page.getByRole("link", { name: "Target accounts" }).click();
  await expect(page).toHaveURL(new RegExp(`/channels/${id}/accounts$`));
  const table = page.getByRole("table", { name: "Unmanaged users" });
  const row = table.getByTestId("unmanaged-row").filter({ hasText: HANDMADE });
  await expect(row).toBeVisible();
  await expect(row).toContainText("handmade@example.com");
  // the channel's own users are linked: not listed
  await expect(table).not.toContainText(uid(1));
  await screenshot(page, "09-target-accounts");
  await page.setViewportSize(PHONE);
  await screenshot(page, "09-target-accounts-phone");
  await page.setViewportSize(DESKTOP);

  await row.getByRole("button", { name: "Ignore" }).click();
  await expect(table.getByTestId("unmanaged-row").filter({ hasText: HANDMADE })).toHaveCount(0);
  await page.getByLabel("Show ignored").check();
  await expect(table.getByTestId("unmanaged-row").filter({ hasText: HANDMADE })).toContainText("ignored by");
  // Ferry did not touch it
  expect((await ours()).find((u) => u.userName === HANDMADE)?.active).toBe(true);
});

test("Test target on the edit page shows the probe, suggests the SCIMMY profile, and the profile sets members per request", async ({ page }) => {
  await signInViaApi(page.request, "admin");
  await page.goto(`/channels/${id}/edit`);
  await expect(page.getByLabel("Target profile")).toHaveValue("generic");
  await expect(page.getByLabel("Members per request")).toHaveAttribute("placeholder", "200");
  await page.getByRole("button", { name: "Test target" }).click();
  const probe = page.getByTestId("target-probe");
  await expect(probe).toContainText("startIndex");
  await expect(page.getByTestId("suggested-profile")).toContainText("SCIMMY");
  await expect(page.getByTestId("target-test-result")).toContainText("set target.profile: scimmy");
  await screenshot(page, "09-test-target-probe");
  await page.setViewportSize(PHONE);
  await screenshot(page, "09-test-target-probe-phone");
  // the probe itself, as a phone shows it (the whole form is too tall to read)
  await page.getByTestId("target-test-result").scrollIntoViewIfNeeded();
  await page.screenshot({ path: "test-results/screenshots/09-test-target-probe-phone-view.png" });
  await page.setViewportSize(DESKTOP);

  await probe.getByRole("button", { name: "Use this profile" }).click();
  await expect(page.getByLabel("Target profile")).toHaveValue("scimmy");
  await expect(page.getByLabel("Members per request")).toHaveAttribute("placeholder", "1000");
  await page.getByRole("button", { name: /^Save/ }).click();
  await expect(page).toHaveURL(new RegExp(`/channels/${id}$`));
  const saved = await (await page.request.get(`/api/v1/channels/${id}`)).json();
  expect(saved.target).toMatchObject({ profile: "scimmy" });
  await page.goto(`/channels/${id}/config`);
  await expect(page.getByText(/SCIMMY \(scimmy \+ scimmy-routers\): 1000 members per request/)).toBeVisible();
});
