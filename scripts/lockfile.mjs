// @ts-check
// package-lock.json must be exactly what npm writes for package.json: complete for every
// platform, so that `npm ci` accepts it anywhere and `npm install` leaves it unchanged.
// npm drops other platforms' optional packages (@next/swc-darwin-*, @esbuild/win32-*, …)
// when it updates a lockfile over an installed node_modules, and `npm ci` then refuses the
// lockfile ("Missing: @next/swc-darwin-arm64 from lock file").
//
//   node scripts/lockfile.mjs --check   (npm run lockfile:check) fails when it drifts
//   node scripts/lockfile.mjs --fix     (npm run lockfile:fix)   rewrites it
//
// Both let npm resolve the lockfile again from package.json and the committed lockfile
// (`npm install --package-lock-only`, nothing installed, no node_modules read), in a
// temporary directory, with the npm named in package.json's "packageManager": npm 10 and
// npm 11 write the same dependencies differently (npm 10 drops the "libc" fields), so the
// check pins one. It needs the npm registry; the working tree is only written by --fix.
import { spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";

const ROOT = path.resolve(import.meta.dirname, "..");
const mode = process.argv[2];
if (mode !== "--check" && mode !== "--fix") {
  console.error("usage: node scripts/lockfile.mjs --check | --fix");
  process.exit(2);
}

const pkg = JSON.parse(readFileSync(path.join(ROOT, "package.json"), "utf8"));
const pinned = /^npm@(\d+\.\d+\.\d+)$/.exec(pkg.packageManager ?? "")?.[1];
if (!pinned) {
  console.error('package.json has no "packageManager": "npm@<version>"');
  process.exit(2);
}
const local = spawnSync("npm", ["--version"], { encoding: "utf8" }).stdout?.trim();
const npm = local === pinned ? ["npm"] : ["npx", "--yes", `npm@${pinned}`];

const dir = mkdtempSync(path.join(tmpdir(), "ferry-lockfile-"));
try {
  for (const f of ["package.json", "package-lock.json", ".npmrc"]) {
    if (existsSync(path.join(ROOT, f))) copyFileSync(path.join(ROOT, f), path.join(dir, f));
  }
  const [cmd = "npm", ...pre] = npm;
  const r = spawnSync(cmd, [...pre, "install", "--package-lock-only", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"], {
    cwd: dir,
    stdio: ["ignore", "inherit", "inherit"],
  });
  if (r.status !== 0) {
    console.error(`npm install --package-lock-only failed (npm ${pinned})`);
    process.exit(1);
  }
  const committed = readFileSync(path.join(ROOT, "package-lock.json"), "utf8");
  const resolved = readFileSync(path.join(dir, "package-lock.json"), "utf8");
  if (committed === resolved) {
    console.log(`package-lock.json is complete and in step with package.json (npm ${pinned})`);
  } else if (mode === "--fix") {
    writeFileSync(path.join(ROOT, "package-lock.json"), resolved);
    console.log(`package-lock.json rewritten by npm ${pinned}:`);
    for (const line of differences(committed, resolved)) console.log(`  ${line}`);
  } else {
    console.error(`package-lock.json is not what npm ${pinned} writes for package.json:`);
    for (const line of differences(committed, resolved)) console.error(`  ${line}`);
    console.error("Run `npm run lockfile:fix` and commit package-lock.json.");
    process.exit(1);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}

/**
 * What changed, package by package (at most 30 lines).
 * @param {string} before @param {string} after
 */
function differences(before, after) {
  /** @type {Record<string, unknown>} */
  let a;
  /** @type {Record<string, unknown>} */
  let b;
  try {
    a = JSON.parse(before).packages ?? {};
    b = JSON.parse(after).packages ?? {};
  } catch {
    return ["the committed lockfile is not JSON (a merge conflict?)"];
  }
  const lines = [];
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) {
    const name = k || "(the project itself)";
    if (!(k in a)) lines.push(`missing: ${name}`);
    else if (!(k in b)) lines.push(`not needed: ${name}`);
    else if (JSON.stringify(a[k]) !== JSON.stringify(b[k])) lines.push(`differs: ${name}`);
  }
  if (lines.length === 0) lines.push("the same packages, written differently (order, format or top-level fields)");
  return lines.length > 30 ? [...lines.slice(0, 30), `… and ${lines.length - 30} more`] : lines;
}
