// Console start-up: create the first admin when there is no console user yet, and print
// a generated password once (it is never logged again).
import { ensureFirstAdmin } from "./lib/console-users/ensure-first-admin.ts";

export async function onConsoleStart(): Promise<void> {
  try {
    const r = await ensureFirstAdmin();
    if (!r.created) return;
    const line = "─".repeat(66);
    const lines = r.generatedPassword
      ? [
          "Ferry console: the first admin was created.",
          `  user name  ${r.username}`,
          `  password   ${r.generatedPassword}`,
          "This password is shown only now. You will be asked to change it when you sign in.",
          "(Set FERRY_ADMIN_USERNAME / FERRY_ADMIN_PASSWORD before the first start to choose them.)",
        ]
      : [`Ferry console: the first admin "${r.username}" was created with FERRY_ADMIN_PASSWORD.`];
    process.stdout.write(`\n${line}\n${lines.join("\n")}\n${line}\n\n`);
  } catch (err) {
    process.stderr.write(`Ferry console: could not check for the first admin: ${(err as Error).message}\n`);
  }
}
