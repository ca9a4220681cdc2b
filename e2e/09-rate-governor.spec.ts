// The shared rate governor on the channel overview (issue 15), in Chromium at desktop and
// phone widths: the "Target rate" line gives the channel's rateLimit as it is in force for
// the target host, the pause a 429 set and the 429s of the last five minutes. The 429 is
// recorded in the host's row as a worker would record it (an own host, so that no other
// spec's channel is paused by it).
import pg from "pg";
import { createChannel, expect, screenshot, signInViaApi, stackState, test } from "./fixtures";

const DESKTOP = { width: 1440, height: 900 };
const PHONE = { width: 390, height: 844 };

test("the overview shows the target host's rate, its pause and recent 429s", async ({ page }) => {
  await signInViaApi(page.request, "admin");
  // nothing listens on port 9: the channel's cycles fail, its overview is what is looked at
  const id = await createChannel(page.request, "Governed e2e", { target: { url: "http://127.0.0.1:9/scim/v2", maxRetries: 0, rateLimit: { requestsPerSecond: 20, writesPerMinute: 600 } } });

  await page.setViewportSize(DESKTOP);
  await page.goto(`/channels/${id}`);
  const line = page.getByTitle("Shared by every channel and node sending to this host");
  await expect(line).toHaveText("20 requests/s, 600 writes/min · no 429 lately");

  const db = new pg.Client({ connectionString: stackState().databaseUrl });
  await db.connect();
  try {
    await db.query(
      `INSERT INTO target_governor (host, factor, decreased_at, paused_until, throttled_total, throttled_window_start, throttled_in_window, last_throttled_at, last_retry_after_ms)
       VALUES ('http://127.0.0.1:9', 0.5, now(), now() + interval '15 seconds', 3, now(), 3, now(), 15000)
       ON CONFLICT (host) DO UPDATE SET factor = 0.5, decreased_at = now(), paused_until = now() + interval '15 seconds', throttled_in_window = 3, throttled_window_start = now()`,
    );
  } finally {
    await db.end();
  }
  await page.reload();
  await expect(line).toContainText(/\(slowed to \d+% after 429s\)/);
  await expect(line).toContainText("paused");
  await expect(line).toContainText("3 × 429 in the last 5 min");
  await screenshot(page, "09-rate-governor-desktop");
  await page.setViewportSize(PHONE);
  await expect(line).toBeVisible();
  await screenshot(page, "09-rate-governor-phone");
});
