// Explain and provision on demand in the console (issue 13): a directory user outside the
// provisioning group is explained from the Users tab (not a member); once added to the
// group, Provision now on the explain panel creates it at the target, step by step; its
// detail page explains it (in scope, clean) and Provision now there has nothing to send.
// Chromium, desktop and phone widths, against the stack's real worker, slapd and SCIM.
import { Attribute, Change } from "ldapts";
import { createChannel, csrfToken, expect, screenshot, signInViaApi, stackState, test, withDirectory } from "./fixtures";

test.describe.configure({ mode: "serial" });


async function atTarget(userName: string): Promise<Record<string, unknown> | null> {
  const s = stackState();
  const res = await fetch(`${s.scim.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}`, { headers: { authorization: `Bearer ${s.scim.token}` } });
  const body = (await res.json()) as { Resources?: Array<Record<string, unknown>> };
  return body.Resources?.[0] ?? null;
}

test("explain a directory user, provision it now, and explain it again on its page", async ({ page }) => {
  test.setTimeout(150_000);
  const s = stackState();
  await signInViaApi(page.request, "admin");
  const headers = { "x-csrf-token": await csrfToken(page.request) };
  // a provisioning group of its own: the stack's SCIM target is shared, and one target user is sent by one channel only
  const groupDn = `cn=ondemand-users,${s.slapd.groupsDn}`;
  const dn = `uid=e2eondemand,${s.slapd.peopleDn}`;
  const other = `uid=e2eotto,${s.slapd.peopleDn}`;
  await withDirectory(async (c) => {
    await c.add(other, { objectClass: ["inetOrgPerson"], uid: "e2eotto", cn: "Otto Demand", givenName: "Otto", sn: "Demand", mail: "e2eotto@example.com", employeeType: "staff" });
    await c.add(groupDn, { objectClass: ["groupOfNames"], cn: "ondemand-users", member: [other] });
  });
  const id = await createChannel(page.request, "Wiki (on demand)", { source: { groupDn } });
  await withDirectory((c) =>
    c.add(dn, {
      objectClass: ["top", "person", "organizationalPerson", "inetOrgPerson"],
      uid: "e2eondemand",
      givenName: "Olga",
      sn: "Demand",
      cn: "Olga Demand",
      mail: "e2eondemand@example.com",
      employeeType: "staff",
    }),
  );

  await page.goto(`/channels/${id}`);
  await expect(page.getByTestId("channel-health")).toHaveText("Healthy", { timeout: 60_000 });

  // the Users tab: explain a user the store has never seen, outside the group
  await page.goto(`/channels/${id}/users`);
  await page.getByTestId("explain-input").fill("e2eondemand");
  await page.getByTestId("explain-submit").click();
  const panel = page.getByTestId("explain-panel");
  await expect(page.getByTestId("explain-summary")).toHaveText(/^out of scope: not a member of the provisioning group/);
  await expect(panel.locator('[data-rule="base"]')).toHaveAttribute("data-ok", "yes");
  await expect(panel.locator('[data-rule="group"]')).toHaveAttribute("data-ok", "no");
  await expect(page.getByTestId("explain-record")).toHaveText("Not in the store yet.");
  await screenshot(page, "28-explain-out-of-scope");

  // into the group; read again: in scope, CREATE; then Provision now from the panel
  await withDirectory((c) => c.modify(groupDn, [new Change({ operation: "add", modification: new Attribute({ type: "member", values: [dn] }) })]));
  await page.getByTestId("explain-refresh").click();
  await expect(page.getByTestId("explain-summary")).toHaveText(/^in scope and enabled; not in the store yet/);
  await expect(page.getByTestId("explain-decision")).toContainText("CREATE");
  await expect(panel.getByRole("table", { name: "Mapped values" })).toContainText("e2eondemand@example.com");
  await panel.getByTestId("provision-now").click();
  const steps = panel.getByTestId("on-demand-steps");
  await expect(steps.locator("li")).toHaveCount(6);
  await expect(steps.locator('li[data-step="action"]')).toContainText("CREATE sent; the target acknowledged it");
  await expect(panel.getByTestId("on-demand-outcome")).toHaveText(/^Done: CREATE acknowledged by the target\./);
  expect(await atTarget("e2eondemand")).toMatchObject({ userName: "e2eondemand", active: true });
  await screenshot(page, "29-provision-now-steps");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "29b-provision-now-steps-phone");
  await page.setViewportSize({ width: 1440, height: 900 });

  // its own page: explained from the store and the directory, provision now has nothing to send
  await page.getByRole("link", { name: "e2eondemand" }).first().click();
  await expect(page.getByTestId("record-title")).toHaveText("e2eondemand");
  await expect(page.getByTestId("explain-summary")).toHaveText("in scope and enabled; at the target: active");
  await expect(page.getByTestId("explain-record")).toContainText("clean");
  await expect(page.getByTestId("explain-panel")).toContainText("on demand");
  await page.getByTestId("provision-now").click();
  await expect(page.getByTestId("on-demand-outcome")).toHaveText(/^Done: nothing sent\./);
  await screenshot(page, "30-user-explain");
  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "30b-user-explain-phone");
  await page.setViewportSize({ width: 1440, height: 900 });

  // the user goes back out; nothing is left behind for other specs
  await withDirectory((c) => c.modify(groupDn, [new Change({ operation: "delete", modification: new Attribute({ type: "member", values: [dn] }) })]));
  expect((await page.request.post(`/api/v1/channels/${id}/status`, { headers, data: { active: false } })).status()).toBe(200);
});
