// Health you can see (issue 14), in Chromium at desktop and phone widths: health badges and
// the failing card, a quarantined channel released by "Try now", a running cycle's
// progress bar (a slow target: a real HTTP proxy that delays each request to the stack's
// SCIM service), the overview's charts, and alerts configured in the console and tested
// against a real webhook receiver.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { csrfToken, expect, screenshot, signInViaApi, stackState, test } from "./fixtures";

test.describe.configure({ mode: "serial" });

const PHONE = { width: 390, height: 844 };
/** the channel whose first load the progress test watched: it has cycles to chart */
let chartedId = 0;
const DESKTOP = { width: 1440, height: 900 };

/** A real HTTP proxy in front of the stack's SCIM service that holds each request `delayMs`. */
async function slowProxy(target: string, delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const t = new URL(target);
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      setTimeout(() => {
        const up = http.request(
          { host: t.hostname, port: t.port, method: req.method, path: req.url, headers: { ...req.headers, host: t.host } },
          (r) => {
            res.writeHead(r.statusCode ?? 502, r.headers);
            r.pipe(res);
          },
        );
        up.on("error", () => res.writeHead(502).end());
        up.end(Buffer.concat(chunks));
      }, delayMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}${t.pathname}`, close: () => new Promise((r) => server.close(() => r())) };
}

function channelConfig(name: string, target: Record<string, unknown>, options: Record<string, unknown> = {}) {
  const s = stackState();
  return {
    config: {
      name,
      connectionId: name.toLowerCase().replace(/\W+/g, "-"),
      syncFrequencySec: 3600,
      source: { url: s.slapd.url, bindDn: s.slapd.adminDn, bindPassword: s.slapd.adminPassword, baseDn: s.slapd.peopleDn, groupDn: s.slapd.provisioningGroupDn },
      target: { maxRetries: 0, ...target },
      options,
    },
  };
}

test("health badges, and a quarantined channel released by Try now", async ({ page }) => {
  test.setTimeout(120_000);
  const s = stackState();
  await signInViaApi(page.request, "admin");
  const headers = { "x-csrf-token": await csrfToken(page.request) };
  const res = await page.request.post("/api/v1/channels", {
    headers,
    data: channelConfig("Expenses (quarantined)", { url: s.scim.baseUrl, auth: { type: "bearer", token: "wrong-token" } }, { quarantineAfterFailures: 1 }),
  });
  expect(res.status()).toBe(201);
  const id = ((await res.json()) as { id: number }).id;

  await page.goto("/channels");
  const row = page.getByTestId(`channel-row-${id}`);
  await expect(row.getByTestId("channel-health")).toHaveText("Quarantined", { timeout: 45_000 });
  await expect(page.getByText("Failing channels").locator("..")).toContainText("in quarantine");
  await screenshot(page, "20-channels-health");
  await page.setViewportSize(PHONE);
  await screenshot(page, "20b-channels-health-phone");
  await page.setViewportSize(DESKTOP);

  await page.goto(`/channels/${id}`);
  await expect(page.getByText("Quarantined after failing cycles in a row")).toBeVisible();
  await expect(page.getByTestId("quarantine-reason")).toContainText("1 failing cycle in a row; the next try is at");
  await screenshot(page, "21-channel-quarantined");
  await page.getByTestId("release-quarantine").click();
  await expect(page.getByText("Released from quarantine: a cycle runs now.")).toBeVisible();
  // the cycle it asked for fails again: back in quarantine, for longer
  await expect(page.getByTestId("quarantine-reason")).toContainText("2 failing cycles in a row", { timeout: 45_000 });
  await expect(page.getByTestId("quarantine-reason")).toContainText("(15 min)");
  expect((await page.request.post(`/api/v1/channels/${id}/status`, { headers, data: { active: false } })).status()).toBe(200);
});

test("a running cycle shows its progress on the list and the channel, at desktop and phone widths", async ({ page }) => {
  test.setTimeout(150_000);
  const s = stackState();
  await signInViaApi(page.request, "admin");
  const headers = { "x-csrf-token": await csrfToken(page.request) };
  const proxy = await slowProxy(s.scim.baseUrl, 700);
  try {
    // a second application with the same people, one request at a time through the slow proxy
    const res = await page.request.post("/api/v1/channels", {
      headers,
      data: channelConfig("Training portal (slow)", { url: proxy.url, auth: { type: "bearer", token: s.scim.token }, maxConcurrency: 1 }),
    });
    expect(res.status()).toBe(201);
    const id = ((await res.json()) as { id: number }).id;
    chartedId = id;
    await page.goto("/channels");
    const bar = page.getByTestId(`channel-row-${id}`).getByTestId("cycle-progress-text");
    await expect(bar).toContainText(/pushing users/, { timeout: 60_000 });
    await expect(bar).toContainText(/\d+%/);
    await screenshot(page, "22-channels-progress");
    await page.goto(`/channels/${id}`);
    await expect(page.getByText("A cycle is running")).toBeVisible();
    await expect(page.getByTestId("cycle-progress-text")).toContainText(/pushed \d+ of \d+/);
    await screenshot(page, "23-channel-progress");
    await page.setViewportSize(PHONE);
    await screenshot(page, "23b-channel-progress-phone");
    await page.setViewportSize(DESKTOP);
    // it finishes, healthy
    await expect(page.getByTestId("channel-health")).toHaveText("Healthy", { timeout: 90_000 });
    expect((await page.request.post(`/api/v1/channels/${id}/status`, { headers, data: { active: false } })).status()).toBe(200);
  } finally {
    await proxy.close();
  }
});

test("the overview charts cycles and the backlog over time", async ({ page }) => {
  await signInViaApi(page.request, "admin");
  await page.goto(`/channels/${chartedId}`);
  const charts = page.getByTestId("channel-charts");
  await expect(charts.getByRole("img", { name: "Cycles chart" }).locator(".recharts-surface").first()).toBeVisible();
  await expect(charts.getByRole("img", { name: "Backlog chart" }).locator(".recharts-surface").first()).toBeVisible();
  // bars for the changes the first cycle pushed
  await expect(charts.locator(".recharts-bar-rectangle").first()).toBeVisible();
  await charts.getByRole("button", { name: "7 days" }).click();
  await expect(charts.getByRole("button", { name: "7 days" })).toHaveAttribute("aria-pressed", "true");
  await screenshot(page, "24-channel-charts");
  await page.setViewportSize(PHONE);
  await expect(charts.getByRole("img", { name: "Cycles chart" }).locator(".recharts-surface").first()).toBeVisible();
  await screenshot(page, "24b-channel-charts-phone");
  await page.setViewportSize(DESKTOP);
});

test("an admin adds a webhook alert in the console and sends a test to a real receiver", async ({ page }) => {
  const got: Array<{ headers: http.IncomingHttpHeaders; body: string }> = [];
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      got.push({ headers: req.headers, body });
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => receiver.listen(0, "127.0.0.1", () => r()));
  try {
    await signInViaApi(page.request, "admin");
    await page.goto("/settings/alerts");
    await expect(page.getByText("Nobody is told yet")).toBeVisible();
    await page.getByTestId("add-alert").first().click();
    await page.getByLabel("Name").fill("IAM on-call");
    await page.getByLabel("URL").fill(`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`);
    await page.getByLabel("starts failing").check();
    await page.getByLabel("enters quarantine").check();
    await page.getByRole("button", { name: "Save" }).click();
    await expect(page.getByText('Alert destination "IAM on-call" added.')).toBeVisible();
    const row = page.getByRole("table", { name: "Alert destinations" }).getByRole("row", { name: /IAM on-call/ });
    await expect(row).toContainText("starts failing, enters quarantine");
    await row.getByRole("button", { name: "Send a test" }).click();
    await expect(page.getByText('Test sent to "IAM on-call": it arrived.')).toBeVisible();
    expect(got).toHaveLength(1);
    expect(got[0]!.headers["x-ferry-signature"]).toMatch(/^sha256=[0-9a-f]{64}$/);
    expect(JSON.parse(got[0]!.body)).toMatchObject({ event: "test" });
    await expect(page.getByRole("table", { name: "Alert deliveries" })).toContainText("A test alert from Ferry");
    await screenshot(page, "25-alerts");
    await page.setViewportSize(PHONE);
    await screenshot(page, "25b-alerts-phone");
    await page.setViewportSize(DESKTOP);
  } finally {
    await new Promise<void>((r) => receiver.close(() => r()));
  }
});
