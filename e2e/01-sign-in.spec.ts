// Sign-in through the form (the only test that does not sign in through the API),
// a wrong password, the session cookie's flags, and sign-out ending the session on the
// server (the old cookie stops working). And the favicon the sign-in page (like every
// page) links.
import pg from "pg";
import { expect, screenshot, stackState, test } from "./fixtures";

test("an admin signs in with the form and signs out", async ({ page, context }) => {
  const s = stackState();
  await page.goto("/channels");
  await expect(page).toHaveURL(/\/login\?next=%2Fchannels$/);
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await screenshot(page, "01-login");

  await page.getByLabel("User name").fill(s.users.admin.username);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.locator(".banner.red")).toContainText("Wrong user name or password");

  await page.getByLabel("Password").fill(s.users.admin.password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page).toHaveURL(/\/channels$/);
  await expect(page.getByTestId("who-name")).toHaveText("Administrator");

  const session = (await context.cookies()).find((c) => c.name.endsWith("next-auth.session-token"));
  expect(session, "a session cookie").toBeTruthy();
  expect(session!.httpOnly).toBe(true);
  expect(session!.sameSite).toBe("Lax");

  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page).toHaveURL(/\/login/);
  await page.goto("/channels");
  await expect(page).toHaveURL(/\/login\?next=%2Fchannels$/);

  // the cookie from before sign-out is refused by the server, not just forgotten by the browser
  await context.addCookies([session!]);
  const res = await page.request.get("/api/v1/me");
  expect(res.status()).toBe(401);
});

test("a sign-in is counted against the address it comes from, not the one X-Forwarded-For claims", async ({ playwright }) => {
  const s = stackState();
  // no FERRY_TRUSTED_PROXIES in the stack: the socket (127.0.0.1) is the client
  const request = await playwright.request.newContext({ baseURL: s.baseURL, extraHTTPHeaders: { "x-forwarded-for": "203.0.113.77" } });
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await request.post("/api/auth/callback/credentials", { form: { csrfToken, username: "nobody-here", password: "not-a-password", json: "true" } });
  expect(res.status()).toBeLessThan(500);
  await request.dispose();
  const db = new pg.Client({ connectionString: s.databaseUrl });
  await db.connect();
  try {
    const { rows } = await db.query<{ ip: string | null }>("SELECT ip FROM login_attempt WHERE username = 'nobody-here' ORDER BY id DESC LIMIT 1");
    expect(rows[0]?.ip).toBe("127.0.0.1");
  } finally {
    await db.end();
  }
});

test("every page links the favicon; the console serves it and the logo, and Chromium draws them", async ({ page }) => {
  await page.goto("/login");
  const icon = page.locator('head link[rel="icon"]');
  await expect(icon).toHaveAttribute("href", "/favicon.svg");
  await expect(icon).toHaveAttribute("type", "image/svg+xml");
  for (const file of ["/favicon.svg", "/logo.svg"]) {
    const res = await page.request.get(file);
    expect(res.status(), file).toBe(200);
    expect(res.headers()["content-type"], file).toContain("image/svg+xml");
    // drawn by the page itself, under its Content-Security-Policy
    const width = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      return img.naturalWidth;
    }, file);
    expect(width, file).toBe(32);
  }
});
