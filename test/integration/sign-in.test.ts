// Console sign-in as next-auth runs it (the credentials provider's authorize, with the
// headers of the request) against the real database: whose address the per-address
// limit counts when X-Forwarded-For can be written by anyone, and what a locked attempt
// costs.
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { resetAuthEnvCache } from "@/lib/auth/auth-env";
import { getAuthOptions } from "@/lib/auth/next-auth-options";
import * as password from "@/lib/auth/password";
import { runWithPeer } from "@/lib/auth/request-peer";
import { createConsoleUser } from "@/lib/console-users/create-console-user";
import { getDb } from "@/lib/db/index";
import { resetEnvCache } from "@/lib/env";
import { useTestDatabase } from "../../devkit/test-database.ts";

// the real verifyPassword, watched: a locked attempt must run it like any other
vi.mock("@/lib/auth/password", async (importOriginal) => {
  const real = await importOriginal<typeof import("@/lib/auth/password")>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword) };
});

let db: Awaited<ReturnType<typeof useTestDatabase>>;
const users: Record<string, string> = {};

beforeAll(async () => {
  db = await useTestDatabase();
  process.env.NEXTAUTH_SECRET = randomBytes(32).toString("base64url");
  resetAuthEnvCache();
  for (const name of ["admin", "ops", "locky", "carol"]) {
    users[name] = `Pw-${randomBytes(8).toString("hex")}`;
    await createConsoleUser({ username: name, displayName: name, role: "admin", password: users[name]!, actor: "test", via: "test" });
  }
});

afterAll(async () => {
  await db?.cleanup();
});

type TAuthorize = (credentials: Record<string, string>, req: { headers: Record<string, string> }) => Promise<unknown>;
function authorizer(): TAuthorize {
  const provider = getAuthOptions().providers[0] as unknown as { options: { authorize: TAuthorize } };
  return provider.options.authorize;
}

/** A sign-in as it reaches the console: from a socket address, with whatever headers the sender wrote. */
async function signInFrom(peer: string, username: string, pw: string, headers: Record<string, string> = {}): Promise<"ok" | string> {
  try {
    await runWithPeer(peer, () => authorizer()({ username, password: pw }, { headers }));
    return "ok";
  } catch (err) {
    return (err as Error).message;
  }
}

async function lastAttemptIp(username: string): Promise<string | null> {
  const a = await (await getDb()).loginAttempt.findFirst({ where: { username }, orderBy: { id: "desc" } });
  return a?.ip ?? null;
}

function withTrustedProxies(value: string | undefined): void {
  if (value === undefined) delete process.env.FERRY_TRUSTED_PROXIES;
  else process.env.FERRY_TRUSTED_PROXIES = value;
  resetEnvCache();
}

describe("the per-address sign-in limit, without a trusted proxy", () => {
  it("counts the socket's address: a forged X-Forwarded-For neither locks someone else out nor escapes the lock", async () => {
    const ATTACKER = "198.51.100.66";
    const ADMIN = "10.20.0.2";
    // 22 failures with random names, each claiming to come from the admin's address
    for (let i = 0; i < 22; i++) {
      const r = await signInFrom(ATTACKER, `nobody-${randomBytes(4).toString("hex")}`, "wrong-password", { "x-forwarded-for": ADMIN });
      expect(r).toMatch(/wrong user name or password|too many failed sign-ins/);
    }
    expect(await lastAttemptIp("admin")).toBeNull();
    // the admin, from their own address, is not locked out (Next.js fills X-Forwarded-For
    // with the socket's address when a request has none, as the admin's browser sends it)
    expect(await signInFrom(ADMIN, "admin", users.admin!, { "x-forwarded-for": ADMIN })).toBe("ok");
    expect(await lastAttemptIp("admin")).toBe(ADMIN);
    // the attacker's address is locked, whatever it claims to be now
    expect(await signInFrom(ATTACKER, "ops", users.ops!, { "x-forwarded-for": "203.0.113.9" })).toMatch(/too many failed sign-ins/);
    expect(await signInFrom(ATTACKER, "ops", users.ops!, { "x-real-ip": "203.0.113.10" })).toMatch(/too many failed sign-ins/);
  });
});

describe("the per-address sign-in limit behind proxies named in FERRY_TRUSTED_PROXIES", () => {
  afterAll(() => withTrustedProxies(undefined));

  it("reads X-Forwarded-For from a trusted proxy: the right-most address that is not one of the proxies", async () => {
    withTrustedProxies("127.0.0.1, 10.1.0.0/16");
    expect(await signInFrom("10.1.2.3", "carol", users.carol!, { "x-forwarded-for": "6.6.6.6, 192.0.2.44" })).toBe("ok");
    expect(await lastAttemptIp("carol")).toBe("192.0.2.44");
    // two proxies in a row: both skipped
    expect(await signInFrom("::ffff:127.0.0.1", "carol", users.carol!, { "x-forwarded-for": "6.6.6.6, 192.0.2.45, 10.1.9.9" })).toBe("ok");
    expect(await lastAttemptIp("carol")).toBe("192.0.2.45");
  });

  it("ignores X-Forwarded-For from a socket that is not a trusted proxy", async () => {
    withTrustedProxies("10.1.0.0/16");
    expect(await signInFrom("192.0.2.99", "carol", users.carol!, { "x-forwarded-for": "10.1.0.1, 192.0.2.1" })).toBe("ok");
    expect(await lastAttemptIp("carol")).toBe("192.0.2.99");
  });
});

describe("a locked sign-in", () => {
  it("runs the password verification like any other attempt, so its answer takes as long", async () => {
    for (let i = 0; i < 5; i++) expect(await signInFrom("192.0.2.7", "locky", "wrong-password")).toMatch(/wrong user name or password/);
    const verify = vi.mocked(password.verifyPassword);
    verify.mockClear();
    expect(await signInFrom("192.0.2.8", "locky", users.locky!)).toMatch(/too many failed sign-ins/);
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.calls[0]?.[0]).toBe(users.locky);
    // and it costs one scrypt, as a wrong password does
    verify.mockClear();
    expect(await signInFrom("192.0.2.8", "nobody-at-all", "whatever-it-is")).toMatch(/wrong user name or password/);
    expect(verify).toHaveBeenCalledTimes(1);
  });
});

describe("a sign-in with a NUL character", () => {
  it("is a wrong user name or password, not a failed query", async () => {
    expect(await signInFrom("192.0.2.20", "ad\u0000min", "whatever-it-is")).toMatch(/wrong user name or password/);
    expect(await signInFrom("192.0.2.20", "admin", "pass\u0000word")).toMatch(/wrong user name or password/);
  });
});
