// The console's first start: with no console user, the first admin is created once,
// with FERRY_ADMIN_PASSWORD or a generated password that must be changed at sign-in.
import { afterAll, beforeAll, expect, it } from "vitest";
import { resetAuthEnvCache } from "../../lib/auth/auth-env.ts";
import { signIn } from "../../lib/auth/sign-in.ts";
import { ensureFirstAdmin } from "../../lib/console-users/ensure-first-admin.ts";
import { getDb } from "../../lib/db/index.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

let db: Awaited<ReturnType<typeof useTestDatabase>>;

beforeAll(async () => {
  db = await useTestDatabase();
  delete process.env.FERRY_ADMIN_PASSWORD;
  process.env.FERRY_ADMIN_USERNAME = "Root";
  resetAuthEnvCache();
});

afterAll(async () => {
  delete process.env.FERRY_ADMIN_USERNAME;
  resetAuthEnvCache();
  await db?.cleanup();
});

it("creates one admin with a generated password, once, even when consoles start together", async () => {
  const results = await Promise.all([ensureFirstAdmin(), ensureFirstAdmin(), ensureFirstAdmin()]);
  const created = results.filter((r) => r.created);
  expect(created).toHaveLength(1);
  const first = created[0]!;
  if (!first.created) throw new Error("unreachable");
  expect(first.username).toBe("root");
  expect(first.generatedPassword).toMatch(/^[A-Za-z0-9]{20}$/);

  const prisma = await getDb();
  const users = await prisma.consoleUser.findMany();
  expect(users).toHaveLength(1);
  expect(users[0]).toMatchObject({ username: "root", role: "ADMIN", mustChangePassword: true });
  expect(users[0]!.passwordHash).not.toContain(first.generatedPassword!);
  await expect(signIn({ username: "root", password: first.generatedPassword! })).resolves.toMatchObject({ user: { username: "root" } });

  expect(await ensureFirstAdmin()).toEqual({ created: false });
  const audit = await prisma.auditLog.findMany({ where: { action: "console-user.create-first-admin" } });
  expect(audit).toHaveLength(1);
  expect(JSON.stringify(audit[0]!.details)).not.toContain(first.generatedPassword!);
});
