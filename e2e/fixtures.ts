// What every spec shares: the stack's state (written by e2e/stack.ts), sign-in through
// the API (next-auth's CSRF + credentials callback, so the browser context holds a real
// session cookie), screenshots saved under test-results/screenshots, and a watch for
// Content-Security-Policy violations on every page.
import { expect, test as base, type APIRequestContext, type Page } from "@playwright/test";
import { Client } from "ldapts";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";

export type TStackState = {
  baseURL: string;
  databaseUrl: string;
  users: Record<"admin" | "operator" | "viewer", { username: string; password: string }>;
  slapd: { url: string; adminDn: string; adminPassword: string; peopleDn: string; groupsDn: string; provisioningGroupDn: string };
  scim: { baseUrl: string; token: string };
  directoryUsers: number;
};

export function stackState(): TStackState {
  const file = process.env.FERRY_E2E_STATE_FILE;
  if (!file) throw new Error("FERRY_E2E_STATE_FILE is not set: run the suite with `npx playwright test` (global setup starts the stack)");
  return JSON.parse(readFileSync(file, "utf8")) as TStackState;
}

export async function signInViaApi(request: APIRequestContext, who: "admin" | "operator" | "viewer"): Promise<void> {
  const { username, password } = stackState().users[who];
  const { csrfToken } = (await (await request.get("/api/auth/csrf")).json()) as { csrfToken: string };
  const res = await request.post("/api/auth/callback/credentials", { form: { csrfToken, username, password, json: "true" } });
  expect(res.ok(), `sign-in of ${who} through the API`).toBeTruthy();
  const me = await request.get("/api/v1/me");
  expect(me.status(), `${who} is signed in`).toBe(200);
}

/** The CSRF token the console puts in its pages, for API calls made with the session cookie. */
export async function csrfToken(request: APIRequestContext): Promise<string> {
  return ((await (await request.get("/api/v1/me")).json()) as { csrfToken: string }).csrfToken;
}

/** Runs `fn` with an LDAP connection to the stack's slapd, bound as its admin. */
export async function withDirectory<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const s = stackState();
  const c = new Client({ url: s.slapd.url });
  await c.bind(s.slapd.adminDn, s.slapd.adminPassword);
  try {
    return await fn(c);
  } finally {
    await c.unbind();
  }
}

/**
 * Creates a channel from the stack's slapd (its provisioning group unless `source` says
 * otherwise) to the stack's SCIM service, cycling hourly, through the API as the signed-in
 * admin. Returns its id.
 */
export async function createChannel(
  request: APIRequestContext,
  name: string,
  parts: { source?: Record<string, unknown>; target?: Record<string, unknown>; options?: Record<string, unknown> } = {},
): Promise<number> {
  const s = stackState();
  const res = await request.post("/api/v1/channels", {
    headers: { "x-csrf-token": await csrfToken(request) },
    data: {
      config: {
        name,
        connectionId: name.toLowerCase().replace(/\W+/g, "-").replace(/^-|-$/g, ""),
        syncFrequencySec: 3600,
        source: { url: s.slapd.url, bindDn: s.slapd.adminDn, bindPassword: s.slapd.adminPassword, baseDn: s.slapd.peopleDn, groupDn: s.slapd.provisioningGroupDn, ...parts.source },
        target: { url: s.scim.baseUrl, auth: { type: "bearer", token: s.scim.token }, ...parts.target },
        ...(parts.options ? { options: parts.options } : {}),
      },
    },
  });
  expect(res.status(), await res.text()).toBe(201);
  return ((await res.json()) as { id: number }).id;
}

const SHOTS = path.resolve("test-results/screenshots");

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  // let live queries settle so the picture shows data, not skeletons
  await page.waitForLoadState("networkidle").catch(() => undefined);
  // the whole page, with the viewport made as tall as the page so the fixed sidebar
  // spans it as it does on screen
  const size = page.viewportSize() ?? { width: 1440, height: 900 };
  const height = await page.evaluate(() => document.documentElement.scrollHeight);
  if (height > size.height) await page.setViewportSize({ width: size.width, height });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`) });
  if (height > size.height) await page.setViewportSize(size);
}

/**
 * Every page of every spec is watched for Content-Security-Policy violations (Chromium
 * reports each on the console): a script the policy blocks is a broken page, and a test
 * that passes beside one must not.
 */
export const test = base.extend<{ cspViolations: string[] }>({
  cspViolations: [
    async ({ page }, use) => {
      const seen: string[] = [];
      page.on("console", (m) => {
        if (/Content Security Policy|Content-Security-Policy/i.test(m.text())) seen.push(`${page.url()}: ${m.text()}`);
      });
      await use(seen);
      expect(seen, "Content-Security-Policy violations reported by the browser").toEqual([]);
    },
    { auto: true },
  ],
});
export { expect };
