// @ts-check
// The worker and provmgr start from JavaScript: esbuild bundles worker/main.ts and
// cli/provmgr.ts (with lib/ and the generated Prisma client; packages in node_modules
// stay imports) into dist/<build>/. Nothing loads TypeScript at run time.
//
// No process may start from a build older than its sources. `ensureBuilt()` (used by
// bin/provmgr.js, bin/worker.js and scripts/launch.ts) compares the size and mtime of
// every file the current build was made from (a few milliseconds); when one differs it
// builds again (under a second) before the process starts. Editing a .ts file therefore
// needs no build step, and `npm ci` builds once (postinstall) so that a fresh install
// starts without one.
//
// Builds are immutable directories, named by a hash of their output; dist/current.json
// names the current one and lists its inputs. A build is written to a private
// temporary directory and renamed into place, and current.json is replaced by rename,
// so processes that build at the same time (two test files, `npm start` beside
// `npx provmgr`) never see a half-written build. A build replaced by another is deleted
// ten minutes later: provmgr loads its command modules when a command runs, from the
// build it started from. The worker is one self-contained file, loaded whole at start.
//
// `node scripts/build.mjs` builds now (`npm run build:js`); `--check` only says whether
// the current build is up to date (exit 1 when not).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { createHash } from "node:crypto";
import path from "node:path";
import { pathToFileURL } from "node:url";

export const ROOT = path.resolve(import.meta.dirname, "..");

/**
 * @typedef {{ name: string, source: string, splitting: boolean }} TEntry
 * @typedef {{ root?: string, dist?: string, entries?: TEntry[], verbose?: boolean }} TBuildOptions
 * @typedef {{ format: number, id: string, inputs: Record<string, [number, number]> }} TManifest
 * @typedef {{ id: string, dir: string, file: (name: string) => string, url: (name: string) => string }} TBuild
 */

/**
 * One bundle per process. provmgr is split so that `--help` and a mistyped argument load
 * neither Prisma nor the database driver (cli/provmgr.ts imports its commands lazily).
 * @type {TEntry[]}
 */
export const ENTRIES = [
  { name: "worker/main", source: "worker/main.ts", splitting: false },
  { name: "cli/provmgr", source: "cli/provmgr.ts", splitting: true },
];

/** Besides the sources esbuild reads: what else changes the output. */
const BUILD_INPUTS = ["scripts/build.mjs", "tsconfig.json", "package.json", "node_modules/esbuild/package.json"];
const FORMAT = 1;
const RETIRED_MS = 10 * 60_000;

/** @param {TBuildOptions} options */
function settings(options) {
  const root = options.root ?? ROOT;
  return { root, dist: options.dist ?? path.join(root, "dist"), entries: options.entries ?? ENTRIES };
}

/** @param {string} dist @param {string} id @returns {TBuild} */
function buildAt(dist, id) {
  const dir = path.join(dist, id);
  const file = (/** @type {string} */ name) => path.join(dir, `${name}.js`);
  return { id, dir, file, url: (name) => pathToFileURL(file(name)).href };
}

/** @param {string} dist @returns {TManifest | undefined} */
function readManifest(dist) {
  try {
    const m = JSON.parse(readFileSync(path.join(dist, "current.json"), "utf8"));
    return m.format === FORMAT && typeof m.id === "string" && m.inputs ? m : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The current build if every file it was made from is unchanged (same size and mtime),
 * else undefined.
 * @param {TBuildOptions} [options]
 * @returns {TBuild | undefined}
 */
export function currentBuild(options = {}) {
  const { root, dist } = settings(options);
  const manifest = readManifest(dist);
  if (!manifest) return undefined;
  for (const [file, [mtimeMs, size]] of Object.entries(manifest.inputs)) {
    try {
      const st = statSync(path.join(root, file));
      if (st.mtimeMs !== mtimeMs || st.size !== size) return undefined;
    } catch {
      return undefined; // deleted or renamed
    }
  }
  const build = buildAt(dist, manifest.id);
  try {
    statSync(build.dir);
  } catch {
    return undefined;
  }
  return build;
}

/**
 * The current build, made first if there is none or a source changed since.
 * @param {TBuildOptions} [options]
 * @returns {Promise<TBuild>}
 */
export async function ensureBuilt(options = {}) {
  return currentBuild(options) ?? (await build(options));
}

/**
 * Where each source file is, in the build as in the sources: esbuild would give a
 * bundled module its bundle's import.meta, so lib/db/migrate.ts would look for
 * prisma/migrations from dist/. Each `import.meta.url|dirname|filename` becomes the
 * source file's own, computed from the bundle's location (every output file lies two
 * directories below dist, checked after the build).
 * @param {string} text @param {string} file path from the root @param {string} up output directory -> root, as a URL path
 */
function pinImportMeta(text, file, up) {
  if (!text.includes("import.meta")) return text;
  const other = /\bimport\.meta\b(?!\.(?:url|dirname|filename)\b)/.exec(text);
  if (other) throw new Error(`${file}: only import.meta.url, .dirname and .filename are supported by scripts/build.mjs`);
  const href = JSON.stringify(`${up}/${file.split(path.sep).map(encodeURIComponent).join("/")}`);
  const fileUrl = `new URL(${href}, import.meta.url)`;
  const replaced = text.replace(/\bimport\.meta\.(url|dirname|filename)\b/g, (_, what) =>
    what === "url" ? `${fileUrl}.href` : what === "filename" ? `__pinned_fileURLToPath(${fileUrl})` : `__pinned_dirname(__pinned_fileURLToPath(${fileUrl}))`,
  );
  // on the first line, so that line numbers (and stack traces) stay the source's
  const imports = 'import { fileURLToPath as __pinned_fileURLToPath } from "node:url"; import { dirname as __pinned_dirname } from "node:path"; ';
  return replaced.startsWith("#!") ? replaced.replace(/^(#![^\n]*\n)/, `$1${imports}`) : imports + replaced;
}

/** @type {Record<string, "ts" | "tsx" | "js" | "jsx" | "json">} */
const LOADERS = { ".ts": "ts", ".mts": "ts", ".cts": "ts", ".tsx": "tsx", ".js": "js", ".mjs": "js", ".cjs": "js", ".jsx": "jsx", ".json": "json" };

/**
 * Builds now, whatever the current build, and makes the result current.
 * @param {TBuildOptions} [options]
 * @returns {Promise<TBuild>}
 */
export async function build(options = {}) {
  const { root, dist, entries } = settings(options);
  const esbuild = await import("esbuild");
  mkdirSync(dist, { recursive: true });
  const tmp = mkdtempSync(path.join(dist, ".tmp-"));
  try {
    /** @type {Record<string, [number, number]>} */
    const inputs = {};
    /** Each file is stat'ed before it is read: a change made meanwhile shows as a newer mtime next time. */
    const record = (/** @type {string} */ abs) => {
      const st = statSync(abs);
      inputs[path.relative(root, abs)] = [st.mtimeMs, st.size];
    };
    for (const f of BUILD_INPUTS) {
      try {
        record(path.join(root, f));
      } catch {
        // not part of this root (a test's)
      }
    }
    const up = path.relative(path.join(dist, "_", "_"), root).split(path.sep).map(encodeURIComponent).join("/");
    /** @type {import("esbuild").Plugin} */
    const sources = {
      name: "ferry-sources",
      setup(b) {
        b.onLoad({ filter: /\.[cm]?[jt]sx?$|\.json$/ }, (args) => {
          const file = path.relative(root, args.path);
          if (file.startsWith("..") || path.isAbsolute(file) || file.split(path.sep).includes("node_modules")) return undefined;
          record(args.path);
          const loader = LOADERS[path.extname(args.path)];
          const text = readFileSync(args.path, "utf8");
          return { contents: loader === "json" ? text : pinImportMeta(text, file, up), loader };
        });
      },
    };
    for (const entry of entries) {
      const result = await esbuild.build({
        absWorkingDir: root,
        entryPoints: { [entry.name]: path.join(root, entry.source) },
        outdir: tmp,
        entryNames: "[dir]/[name]",
        chunkNames: "chunks/[name]-[hash]",
        bundle: true,
        splitting: entry.splitting,
        format: "esm",
        platform: "node",
        target: "node20",
        packages: "external",
        sourcemap: "linked",
        sourcesContent: false,
        metafile: true,
        logLevel: options.verbose ? "warning" : "silent",
        plugins: [sources],
      });
      for (const out of Object.keys(result.metafile.outputs)) {
        const rel = path.relative(tmp, path.resolve(root, out));
        if (rel.split(path.sep).length !== 2) throw new Error(`scripts/build.mjs: ${rel} is not one directory below the build (import.meta would point elsewhere)`);
      }
    }
    const id = hashTree(tmp);
    const build = buildAt(dist, id);
    try {
      renameSync(tmp, build.dir);
    } catch (err) {
      // the same build exists (made meanwhile by another process, or before): use it,
      // and mark it recent, so that no process's clean-up takes it as long replaced
      if (!["ENOTEMPTY", "EEXIST"].includes(/** @type {NodeJS.ErrnoException} */ (err).code ?? "")) throw err;
      touch(build.dir);
    }
    const previous = readManifest(dist);
    const next = path.join(dist, `.current-${process.pid}-${Date.now()}.json`);
    writeFileSync(next, JSON.stringify({ format: FORMAT, id, inputs: { ...inputs } }, null, 1));
    renameSync(next, path.join(dist, "current.json"));
    if (previous && previous.id !== id) touch(path.join(dist, previous.id));
    removeRetired(dist, id);
    return build;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** A hash of every file under dir, by relative path and content. @param {string} dir */
function hashTree(dir) {
  const h = createHash("sha256");
  const walk = (/** @type {string} */ d) => {
    for (const name of readdirSync(d).sort()) {
      const abs = path.join(d, name);
      if (statSync(abs).isDirectory()) walk(abs);
      else h.update(`${path.relative(dir, abs)}\0`).update(readFileSync(abs)).update("\0");
    }
  };
  walk(dir);
  return h.digest("hex").slice(0, 16);
}

/** Marks a build with the time it was replaced (or reused): removeRetired counts from then. @param {string} dir */
function touch(dir) {
  const now = new Date();
  try {
    utimesSync(dir, now, now);
  } catch {
    // already gone
  }
}

/** Deletes builds (and abandoned temporary directories) replaced more than ten minutes ago. @param {string} dist @param {string} current */
function removeRetired(dist, current) {
  for (const name of readdirSync(dist)) {
    // current.json may name another build by now (a concurrent build): never delete that one
    if (name === current || name === "current.json" || name === readManifest(dist)?.id) continue;
    const abs = path.join(dist, name);
    try {
      if (Date.now() - statSync(abs).mtimeMs > RETIRED_MS) rmSync(abs, { recursive: true, force: true });
    } catch {
      // removed by another process
    }
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  if (process.argv.includes("--check")) {
    const b = currentBuild();
    console.log(b ? `dist/${b.id} is up to date` : "no build, or a source changed since the last build");
    process.exit(b ? 0 : 1);
  }
  const t0 = performance.now();
  try {
    const b = await build({ verbose: true });
    console.log(`built ${ENTRIES.map((e) => e.source).join(", ")} into dist/${b.id} in ${Math.round(performance.now() - t0)} ms`);
  } catch (err) {
    console.error(/** @type {Error} */ (err).message);
    process.exit(1);
  }
}
