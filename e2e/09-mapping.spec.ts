// Attribute mapping in the console (issue 16): on a channel's edit page, a mapping row
// made an expression, "Preview user" showing one directory user through the mapping as
// edited (the resource and the PATCH against what the target holds) before anything is
// saved, and a broken expression refused on save with its line and column. Chromium,
// desktop and phone widths, against the stack's real worker, slapd and SCIMMY. The channel
// has its own provisioning group, so the other specs' channels do not see its user.
import { createChannel, expect, screenshot, signInViaApi, stackState, test, withDirectory } from "./fixtures";

test.describe.configure({ mode: "serial" });

async function targetUser(userName: string): Promise<{ title?: string } | undefined> {
  const s = stackState();
  const res = await fetch(`${s.scim.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, { headers: { authorization: `Bearer ${s.scim.token}` } });
  return ((await res.json()) as { Resources?: Array<{ title?: string }> }).Resources?.[0];
}

test("an expression row previewed for one directory user before saving; a broken one refused with its column", async ({ page }) => {
  test.setTimeout(120_000);
  const s = stackState();
  const dn = `uid=e2emap1,${s.slapd.peopleDn}`;
  const groupDn = `cn=map-users,${s.slapd.groupsDn}`;
  await withDirectory(async (c) => {
    await c.add(dn, { objectClass: ["inetOrgPerson"], uid: "e2emap1", cn: "Zoë Mapping", givenName: "Zoë", sn: "Mapping", mail: "e2emap1@example.com", employeeType: "contractor" });
    await c.add(groupDn, { objectClass: ["groupOfNames"], cn: "map-users", member: [dn] });
  });
  await signInViaApi(page.request, "admin");
  const id = await createChannel(page.request, "Wiki (mapping)", { source: { groupDn } });
  await page.goto(`/channels/${id}`);
  await expect.poll(async () => (await targetUser("e2emap1")) !== undefined, { timeout: 60_000 }).toBe(true);

  await page.goto(`/channels/${id}/edit`);
  await page.getByRole("button", { name: "Add attribute" }).click();
  const rows = page.getByRole("table", { name: "Attribute mapping" }).locator("tbody tr");
  const n = await rows.count();
  await page.getByLabel(`SCIM attribute ${n}`).fill("title");
  await page.getByLabel(`Kind ${n}`).selectOption("expression");
  await page.getByLabel(`Value ${n}`).fill('regexMatch(attr("employeeType"), "^contractor$") ? "Contractor " + normalizeDiacritics(attr("givenName")) : "Staff"');

  await page.getByLabel("Directory user to preview").fill("e2emap1");
  await page.getByRole("button", { name: "Preview user" }).click();
  const preview = page.getByTestId("mapping-preview");
  await expect(preview.getByTestId("preview-resource")).toContainText('"title": "Contractor Zoe"');
  await expect(preview.getByTestId("preview-patch")).toContainText('"title": "Contractor Zoe"');
  await expect(preview).toContainText("at the target");
  // nothing was saved or sent
  expect((await targetUser("e2emap1"))?.title).toBeUndefined();
  await preview.scrollIntoViewIfNeeded();
  await screenshot(page, "mapping-preview-desktop");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "mapping-preview-phone");
  await page.setViewportSize({ width: 1440, height: 900 });

  // a broken expression: refused on save, with where
  await page.getByLabel(`Value ${n}`).fill('lower(attr("title")');
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByText(/expression error at line 1, column \d+/).first()).toBeVisible();
  await screenshot(page, "mapping-expression-error-desktop");
});
