// The plan of the next cycle in the console (issue 13, part 4): after the directory
// changes, the channel's Plan tab lists the new user, the changed attribute with its old
// and new value, the group that gains a member, and the mass removal the guard would
// hold, with who — while the target receives nothing. Chromium, desktop and phone widths,
// against the stack's real worker, slapd and SCIM service. The channel has its own
// provisioning group, so the other specs' channels do not see these changes.
import { Attribute, Change } from "ldapts";
import { csrfToken, expect, screenshot, signInViaApi, stackState, test, withDirectory } from "./fixtures";

test.describe.configure({ mode: "serial" });


const uid = (n: number) => `e2eplan${String(n).padStart(2, "0")}`;

async function targetUsers(): Promise<Array<{ userName: string; active?: boolean; name?: { givenName?: string } }>> {
  const s = stackState();
  const res = await fetch(`${s.scim.baseUrl}/Users?count=1000`, { headers: { authorization: `Bearer ${s.scim.token}` } });
  return ((await res.json()) as { Resources?: Array<{ userName: string; active?: boolean; name?: { givenName?: string } }> }).Resources ?? [];
}

test("the Plan tab lists creates, an attribute diff, a group's new member and a held mass removal; nothing reaches the target", async ({ page }) => {
  test.setTimeout(150_000);
  const s = stackState();
  const people = (n: number) => `uid=${uid(n)},${s.slapd.peopleDn}`;
  const groupDn = `cn=plan-users,${s.slapd.groupsDn}`;
  // plan-team lives in an OU of its own: under ou=groups it would fall under the Acme Wiki
  // channel's group filter (02-console), and the first of the two channels to claim it at
  // the shared target would hold it (lib/records/target-claims.ts)
  const planGroupsDn = s.slapd.groupsDn.replace(/^ou=groups,/, "ou=plan-groups,");
  const teamDn = `cn=plan-team,${planGroupsDn}`;
  await withDirectory(async (c) => {
    await c.add(planGroupsDn, { objectClass: ["organizationalUnit"], ou: "plan-groups" });
    for (let n = 1; n <= 7; n++) {
      await c.add(people(n), { objectClass: ["inetOrgPerson"], uid: uid(n), cn: `Plan ${n}`, givenName: "Plan", sn: `Person${n}`, mail: `${uid(n)}@example.com` });
    }
    await c.add(groupDn, { objectClass: ["groupOfNames"], cn: "plan-users", member: [1, 2, 3, 4, 5, 6].map(people) });
    await c.add(teamDn, { objectClass: ["groupOfNames"], cn: "plan-team", member: [people(1), people(2)] });
  });

  await signInViaApi(page.request, "admin");
  const headers = { "x-csrf-token": await csrfToken(page.request) };
  const res = await page.request.post("/api/v1/channels", {
    headers,
    data: {
      config: {
        name: "Wiki (plan)",
        connectionId: "wiki-plan",
        syncFrequencySec: 3600,
        source: {
          url: s.slapd.url,
          bindDn: s.slapd.adminDn,
          bindPassword: s.slapd.adminPassword,
          baseDn: s.slapd.peopleDn,
          groupDn,
          groupBaseDn: planGroupsDn,
          groupFilter: "(&(objectClass=groupOfNames)(cn=plan-team))",
        },
        target: { url: s.scim.baseUrl, auth: { type: "bearer", token: s.scim.token } },
        options: { maxDeprovisionPercent: 30, deprovisionGuardMinimum: 2 },
      },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  const id = ((await res.json()) as { id: number }).id;
  await page.goto(`/channels/${id}`);
  await expect(page.getByTestId("channel-health")).toHaveText("Healthy", { timeout: 60_000 });
  await expect.poll(async () => (await targetUsers()).filter((u) => u.userName.startsWith("e2eplan")).length, { timeout: 30_000 }).toBe(6);

  // the directory changes: one new user (also in plan-team), one renamed, four of six removed
  await withDirectory(async (c) => {
    await c.modify(groupDn, [new Change({ operation: "replace", modification: new Attribute({ type: "member", values: [people(1), people(2), people(7)] }) })]);
    await c.modify(teamDn, [new Change({ operation: "add", modification: new Attribute({ type: "member", values: [people(7)] }) })]);
    await c.modify(people(2), [new Change({ operation: "replace", modification: new Attribute({ type: "givenName", values: ["Planned"] }) })]);
  });
  // this channel's users at the target (the target is shared: other specs' channels may still write theirs)
  // the plan channel's users as the target holds them, without `groups`: SCIMMY derives that
  // from the target's groups
  const ours = async () =>
    JSON.stringify((await targetUsers()).filter((u) => u.userName.startsWith("e2eplan")).map(({ groups: _groups, ...u }: { groups?: unknown } & Record<string, unknown>) => u));
  const before = await ours();

  await page.getByRole("link", { name: "Plan", exact: true }).first().click();
  await expect(page).toHaveURL(new RegExp(`/channels/${id}/plan$`));
  const plan = page.getByTestId("cycle-plan");
  const creates = plan.getByRole("table", { name: "Users to create" });
  await expect(creates).toContainText(uid(7), { timeout: 30_000 });
  const updates = plan.getByRole("table", { name: "Users to update" });
  await expect(updates).toContainText(uid(2));
  await expect(updates.getByRole("list", { name: "Attribute changes" })).toContainText("name.givenName");
  await expect(updates.locator("del")).toHaveText("Plan");
  await expect(updates.locator("ins")).toHaveText("Planned");
  await expect(plan.getByRole("table", { name: "Groups whose members change" })).toContainText(`+1 ${uid(7)}`);
  const held = plan.getByTestId("plan-held-users");
  await expect(held).toContainText("4 of 6 provisioned users");
  await expect(held).toContainText("The next cycle would hold them");
  await expect(plan).toContainText(`${uid(3)}, ${uid(4)}, ${uid(5)}, ${uid(6)}`);
  await expect(plan.getByText("Users to disable or delete")).toBeVisible();
  await screenshot(page, "40-plan");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "40b-plan-phone");
  await page.setViewportSize({ width: 1440, height: 900 });

  // planning sent nothing: the target is as it was
  expect(await ours()).toBe(before);

  // a full plan says why it reads everything
  await plan.getByLabel("Plan a full cycle").check();
  await expect(page.getByTestId("plan-mode")).toContainText("full cycle asked for", { timeout: 30_000 });

  // the channel form previews an edit before it is saved: displayName from sn instead of cn
  await page.goto(`/channels/${id}/edit`);
  await expect(page.getByLabel("SCIM attribute 1", { exact: true })).toHaveValue("userName");
  const attrs = page.locator('input[aria-label^="SCIM attribute"]');
  const names = await attrs.evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
  const row = names.indexOf("displayName") + 1;
  expect(row).toBeGreaterThan(0);
  await page.getByLabel(`Value ${row}`, { exact: true }).fill("sn");
  await page.getByTestId("preview-changes").click();
  const preview = page.getByTestId("edit-preview");
  await expect(preview).toContainText("The mapping or options change", { timeout: 30_000 });
  const previewUpdates = preview.getByRole("table", { name: "Users to update" });
  await expect(previewUpdates).toContainText(uid(1));
  await expect(previewUpdates).toContainText("Person1");
  await expect(preview.getByRole("table", { name: "Users to create" })).toContainText("Person7");
  await screenshot(page, "41-edit-preview");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "41b-edit-preview-phone");
  // nothing reaches past a phone's right edge; the form's buttons and the preview, close up
  expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
  await page.getByTestId("preview-changes").locator("..").screenshot({ path: "test-results/screenshots/41c-edit-buttons-phone.png" });
  await preview.screenshot({ path: "test-results/screenshots/41d-edit-preview-phone-detail.png" });
  await page.setViewportSize({ width: 1440, height: 900 });
  // nothing was saved: the stored mapping still says cn
  const stored = (await (await page.request.get(`/api/v1/channels/${id}`)).json()) as { mapping?: { user?: Record<string, unknown> } };
  expect(JSON.stringify(stored.mapping?.user?.displayName)).toBe('"cn"');
  expect(await ours()).toBe(before);

  expect((await page.request.post(`/api/v1/channels/${id}/status`, { headers, data: { active: false } })).status()).toBe(200);
});
