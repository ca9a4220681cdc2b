// The provisioning log in the console (issue 13): a channel's Log tab lists every request
// its cycles sent, filters them, opens an entry's bodies, downloads CSV; a cycle row of
// the overview opens that cycle's requests; a user's page shows the user's own. Chromium,
// desktop and phone widths, against the stack's real worker, slapd and SCIM service.
import { createChannel, csrfToken, expect, screenshot, signInViaApi, stackState, test, withDirectory } from "./fixtures";

test.describe.configure({ mode: "serial" });

test("the Log tab, one cycle's requests, one user's requests, and a CSV download", async ({ page }) => {
  test.setTimeout(120_000);
  const s = stackState();
  await signInViaApi(page.request, "admin");
  const headers = { "x-csrf-token": await csrfToken(page.request) };
  // users of its own: the stack's SCIM target is shared, and one target user is sent by one channel only
  const groupDn = `cn=log-users,${s.slapd.groupsDn}`;
  await withDirectory(async (c) => {
    const members: string[] = [];
    for (const uid of ["e2elog01", "e2elog02"]) {
      const dn = `uid=${uid},${s.slapd.peopleDn}`;
      await c.add(dn, { objectClass: ["inetOrgPerson"], uid, cn: `Log ${uid}`, givenName: "Log", sn: uid, mail: `${uid}@example.com`, employeeType: "staff" });
      members.push(dn);
    }
    await c.add(groupDn, { objectClass: ["groupOfNames"], cn: "log-users", member: members });
  });
  // each user looked up, then linked or created (lookup-first): the log shows both kinds of request
  const id = await createChannel(page.request, "Wiki (log)", { source: { groupDn }, target: { userMatching: "lookup-first" } });

  await page.goto(`/channels/${id}`);
  await expect(page.getByTestId("channel-health")).toHaveText("Healthy", { timeout: 60_000 });
  await page.getByRole("tab", { name: "Log" }).or(page.getByRole("link", { name: "Log", exact: true })).first().click();
  await expect(page).toHaveURL(new RegExp(`/channels/${id}/log$`));
  const table = page.getByRole("table", { name: "Provisioning log" });
  await expect(table.getByTestId("log-row").first()).toBeVisible();
  // the first load linked or created every user: one entry per request, each naming its user
  await expect(table).toContainText("e2elog01");
  await expect(table).toContainText(/GET \/Users\?filter=userName/);
  await screenshot(page, "26-provisioning-log");

  // an entry's bodies, secrets redacted
  await table.getByTestId("log-row").first().click();
  await expect(page.getByText("Sent (secrets redacted)")).toBeVisible();
  await expect(page.locator("pre.code-block").last()).not.toBeEmpty();

  // failed only: none
  await page.getByLabel("Failed only").check();
  await expect(page.getByText("No request matches")).toBeVisible();
  await page.getByLabel("Failed only").uncheck();

  // the download is the same entries, as CSV
  const href = await page.getByTestId("log-export-csv").getAttribute("href");
  const csv = await page.request.get(href!);
  expect(csv.status()).toBe(200);
  expect(csv.headers()["content-type"]).toMatch(/^text\/csv/);
  const text = await csv.text();
  expect(text.split("\r\n")[0]).toMatch(/^at,cycleId,nodeId,recordKind/);
  expect(text).toContain("e2elog01");
  expect(text).not.toContain(s.scim.token);

  await page.setViewportSize({ width: 390, height: 844 });
  await screenshot(page, "26b-provisioning-log-phone");
  await page.setViewportSize({ width: 1440, height: 900 });

  // the overview's cycle row opens that cycle's requests
  await page.goto(`/channels/${id}`);
  await page.getByRole("table", { name: "Last cycles" }).getByRole("link", { name: /^#\d+$/ }).first().click();
  await expect(page.getByText(/^Cycle #\d+ only\./)).toBeVisible();
  await expect(page.getByRole("table", { name: "Provisioning log" }).getByTestId("log-row").first()).toBeVisible();

  // a user's page: that user's requests only
  await page.goto(`/channels/${id}/users`);
  await page.getByRole("link", { name: "e2elog02" }).click();
  const mine = page.getByRole("table", { name: "Provisioning log" });
  await expect(mine.getByTestId("log-row").first()).toBeVisible();
  await expect(mine).toContainText("lookup");
  await screenshot(page, "27-user-log");

  expect((await page.request.post(`/api/v1/channels/${id}/status`, { headers, data: { active: false } })).status()).toBe(200);
});
