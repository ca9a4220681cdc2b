// Every console page at a phone's width (390 px) and a small laptop's (1024 px): nothing
// is wider than the viewport (tables scroll inside their card), the sidebar becomes a top
// bar with a menu on phones, and a long LDAP attribute name does not squeeze its values.
// Screenshots of every page at both widths go to test-results/screenshots (50-*, 51-*).
// This file makes its own channel, so it runs alone as well as after the others.
import type { APIRequestContext, Page } from "@playwright/test";
import { readdirSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { csrfToken, expect, screenshot, signInViaApi, stackState, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

const NAME = "Layout check — a channel with a rather long name to see it wrap";
let channelId = 0;
let userId = "";
let groupId = "";

async function ensureChannel(request: APIRequestContext): Promise<number> {
  const s = stackState();
  const { channels } = (await (await request.get("/api/v1/channels")).json()) as { channels: Array<{ id: number; name: string }> };
  const existing = channels.find((c) => c.name === NAME);
  if (existing) return existing.id;
  const res = await request.post("/api/v1/channels", {
    headers: { "x-csrf-token": await csrfToken(request) },
    data: {
      config: {
        name: NAME,
        connectionId: "layout-check-connection-with-a-long-identifier",
        syncFrequencySec: 5,
        source: {
          url: s.slapd.url,
          bindDn: s.slapd.adminDn,
          bindPassword: s.slapd.adminPassword,
          baseDn: s.slapd.peopleDn,
          groupDn: s.slapd.provisioningGroupDn,
          groupFilter: "(&(objectClass=groupOfNames)(!(cn=app-users)))",
          groupBaseDn: s.slapd.groupsDn,
        },
        target: { url: s.scim.baseUrl, auth: { type: "bearer", token: s.scim.token } },
        options: { provisionGroups: true },
      },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

/** Nothing on the page is wider than the viewport: the document does not scroll sideways. */
async function expectNoSidewaysScroll(page: Page, what: string): Promise<void> {
  const { scroll, width, culprits } = await page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const culprits: string[] = [];
    for (const el of Array.from(document.querySelectorAll("body *"))) {
      const r = el.getBoundingClientRect();
      // inside a scrolling container is fine: that container is what must fit
      let p = el.parentElement;
      let scrolls = false;
      while (p && p !== document.body) {
        const o = getComputedStyle(p).overflowX;
        if (o === "auto" || o === "scroll" || o === "hidden") {
          scrolls = true;
          break;
        }
        p = p.parentElement;
      }
      if (!scrolls && r.width > 0 && r.right > width + 1) culprits.push(`${el.tagName.toLowerCase()}.${(el as HTMLElement).className || ""} right=${Math.round(r.right)}`);
    }
    return { scroll: document.documentElement.scrollWidth, width, culprits: culprits.slice(0, 5) };
  });
  expect.soft(culprits, `${what}: elements past the right edge`).toEqual([]);
  expect.soft(scroll, `${what}: the page is ${scroll} px wide in a ${width} px viewport`).toBeLessThanOrEqual(width);
}

/**
 * Every console page, found in app/(console) (each page.tsx is a route), so a page added
 * later is checked too without touching this list: [id] is this file's channel, a
 * [recordId] under users/ or groups/ one of its users or groups. Named for the
 * screenshots after its path (channels-id-users-recordId).
 */
function consolePages(): Array<[string, string]> {
  const root = path.resolve("app/(console)");
  const found: string[] = [];
  const walk = (dir: string, route: string[]): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(dir, e.name), /^\(.*\)$/.test(e.name) ? route : [...route, e.name]);
      else if (e.name === "page.tsx") found.push(`/${route.join("/")}`);
    }
  };
  walk(root, []);
  return found
    .filter((r) => r !== "/") // the console's root only redirects to /channels
    .sort()
    .map((r) => {
      const name = r.slice(1).replace(/\[(\w+)\]/g, "$1").replace(/\//g, "-");
      const url = r
        .replace(/\/users\/\[recordId\]/, `/users/${userId}`)
        .replace(/\/groups\/\[recordId\]/, `/groups/${groupId}`)
        .replace("[id]", String(channelId));
      return [name, url];
    });
}

test.beforeEach(async ({ page }) => {
  await signInViaApi(page.request, "admin");
});

test("a channel with users and groups to look at", async ({ page }) => {
  const s = stackState();
  channelId = await ensureChannel(page.request);
  await expect
    .poll(async () => ((await (await page.request.get(`/api/v1/channels/${channelId}/users`)).json()) as { items: unknown[] }).items.length, { timeout: 60_000 })
    .toBe(s.directoryUsers);
  await expect.poll(async () => ((await (await page.request.get(`/api/v1/channels/${channelId}/groups`)).json()) as { items: unknown[] }).items.length, { timeout: 30_000 }).toBeGreaterThan(0);
  userId = ((await (await page.request.get(`/api/v1/channels/${channelId}/users?q=e2euser01`)).json()) as { items: Array<{ id: string }> }).items[0]!.id;
  groupId = ((await (await page.request.get(`/api/v1/channels/${channelId}/groups`)).json()) as { items: Array<{ id: string }> }).items[0]!.id;
});

for (const [label, width, height] of [
  ["phone", 390, 844],
  ["laptop", 1024, 768],
] as const) {
  test(`every page fits ${width} px (${label})`, async ({ page }) => {
    test.setTimeout(180_000);
    await page.setViewportSize({ width, height });
    const pages = consolePages();
    // the pages this file was written against are among them
    expect(pages.map(([, url]) => url)).toEqual(expect.arrayContaining(["/channels", `/channels/${channelId}/users/${userId}`, `/channels/${channelId}/operations`, "/audit", "/settings/users"]));
    for (const [name, url] of pages) {
      await page.goto(url);
      await expect(page.locator("main h1").first()).toBeVisible();
      await page.waitForLoadState("networkidle").catch(() => undefined);
      await expectNoSidewaysScroll(page, `${url} at ${width} px`);
      if (name === "channels") {
        // the list the review found overflowing: at 1024 px it fits its card without scrolling,
        // on a phone its rows are cards (no column heads)
        const table = page.getByRole("table", { name: "Channels" });
        const fits = await table.evaluate((t) => t.scrollWidth <= (t.closest(".card-body")?.clientWidth ?? 0) + 1);
        expect(fits, `the channels table fits its card at ${width} px`).toBe(true);
        await expect(table.locator("thead")).toBeVisible({ visible: label !== "phone" });
      }
      await screenshot(page, `${label === "phone" ? "50" : "51"}-${label}-${name}`);
    }
  });
}

test("on a phone the sidebar is a top bar whose menu opens and closes", async ({ page }) => {
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto("/channels");
  // the button works once React has hydrated the page
  await page.waitForLoadState("networkidle");
  const menu = page.getByRole("button", { name: "Menu" });
  await expect(menu).toBeVisible();
  await expect(menu).toHaveAttribute("aria-expanded", "false");
  const nav = page.getByRole("navigation", { name: "Main" });
  await expect(nav).toBeHidden();
  // the bar is short: the page starts right under it
  const bar = await page.locator(".sidebar").boundingBox();
  expect(bar!.height).toBeLessThan(70);
  await menu.click();
  await expect(menu).toHaveAttribute("aria-expanded", "true");
  await expect(nav).toBeVisible();
  await expect(page.getByRole("button", { name: "Sign out" })).toBeVisible();
  await screenshot(page, "52-phone-menu-open");
  await nav.getByRole("link", { name: "Audit log" }).click();
  await expect(page).toHaveURL(/\/audit$/);
  // following a link closes the menu
  await expect(nav).toBeHidden();

  // at 1024 px the sidebar is a sidebar: always there, no menu button
  await page.setViewportSize({ width: 1024, height: 768 });
  await expect(nav).toBeVisible();
  await expect(menu).toBeHidden();
});

test("a long LDAP attribute name wraps instead of squeezing its values", async ({ page }) => {
  const s = stackState();
  const longName = "msDS-SupportedEncryptionTypesForThisVeryLongVendorSpecificAttributeName";
  const value = "a value that should have room to be read on one or two lines";
  const db = new pg.Client({ connectionString: s.databaseUrl });
  await db.connect();
  try {
    await db.query(`UPDATE user_record SET ldap_attributes = ldap_attributes || jsonb_build_object($2::text, jsonb_build_array($3::text)) WHERE id = $1`, [userId, longName, value]);
  } finally {
    await db.end();
  }
  for (const width of [390, 1024]) {
    await page.setViewportSize({ width, height: 900 });
    await page.goto(`/channels/${channelId}/users/${userId}`);
    const table = page.getByRole("table", { name: "LDAP attributes" });
    const row = table.getByRole("row").filter({ hasText: value });
    await expect(row).toBeVisible();
    const [nameBox, valueBox, tableBox] = await Promise.all([row.locator("td").nth(0).boundingBox(), row.locator("td").nth(1).boundingBox(), table.boundingBox()]);
    // the value keeps at least half the table; the name breaks over lines instead
    expect(valueBox!.width, `values column at ${width} px`).toBeGreaterThanOrEqual(tableBox!.width * 0.5);
    expect(nameBox!.x + nameBox!.width, "the name stays in its column").toBeLessThanOrEqual(valueBox!.x + 1);
    expect(nameBox!.height, "the long name wraps").toBeGreaterThan(25);
    await expectNoSidewaysScroll(page, `user detail at ${width} px`);
    await screenshot(page, `53-long-attribute-${width}`);
  }
});
