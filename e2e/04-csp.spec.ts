// The console's Content-Security-Policy: every page carries a script-src with a nonce
// that changes on every response, the console's own scripts run (the other specs watch
// every page for violations: e2e/fixtures.ts), and a script injected into a page without
// the nonce does not run.
import { expect, signInViaApi, test } from "./fixtures";

const scriptSrc = (policy: string | undefined) => /(?:^|;\s*)script-src ([^;]+)/.exec(policy ?? "")?.[1] ?? "";

test("pages carry a nonce-based script policy, fresh on every response", async ({ page }) => {
  const first = await page.request.get("/login");
  const second = await page.request.get("/login");
  const policies = [first.headers()["content-security-policy"], second.headers()["content-security-policy"]];
  const nonces = policies.map((p) => /'nonce-([A-Za-z0-9+/=]+)'/.exec(scriptSrc(p))?.[1]);
  expect(nonces[0], `script-src of ${policies[0]}`).toBeTruthy();
  expect(nonces[1]).toBeTruthy();
  expect(nonces[0]).not.toBe(nonces[1]);
  expect(scriptSrc(policies[0])).not.toMatch(/unsafe-inline|unsafe-eval/);
  expect(policies[0]).toMatch(/frame-ancestors 'none'/);
  // the scripts Next.js renders carry this response's nonce
  const html = await first.text();
  const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
  expect(scripts.length).toBeGreaterThan(0);
  for (const tag of scripts) expect(tag).toContain(`nonce="${nonces[0]}"`);
});

test("a script injected into a page without the nonce is blocked; the page still works", async ({ page, cspViolations }) => {
  await signInViaApi(page.request, "admin");
  await page.route("**/channels", async (route) => {
    const res = await route.fetch();
    const html = (await res.text()).replace("</body>", "<script>window.__injected = true</script></body>");
    await route.fulfill({ response: res, body: html });
  });
  // the console's own scripts ran: the page hydrated and its live query asked the API …
  const listed = page.waitForResponse((r) => new URL(r.url()).pathname === "/api/v1/channels" && r.ok());
  await page.goto("/channels");
  await listed;
  await expect(page.getByTestId("who-name")).toBeVisible();
  // … the injected one did not, and the browser said why
  expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
  await expect.poll(() => cspViolations.length).toBeGreaterThan(0);
  expect(cspViolations.join("\n")).toMatch(/script-src/);
  cspViolations.length = 0; // this one was expected
});
