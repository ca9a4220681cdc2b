// Sign-in through the form (the only test that does not sign in through the API),
// a wrong password, the session cookie's flags, and sign-out ending the session on the
// server (the old cookie stops working).
import { expect, screenshot, stackState, test } from "./fixtures";

test("an admin signs in with the form and signs out", async ({ page, context }) => {
  const s = stackState();
  await page.goto("/channels");
  await expect(page).toHaveURL(/\/login$/);
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
  await expect(page).toHaveURL(/\/login$/);

  // the cookie from before sign-out is refused by the server, not just forgotten by the browser
  await context.addCookies([session!]);
  const res = await page.request.get("/api/v1/me");
  expect(res.status()).toBe(401);
});
