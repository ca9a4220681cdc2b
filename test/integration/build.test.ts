// The JavaScript build of the worker and provmgr (scripts/build.mjs): processes start
// from it, never from a build older than the sources, and a bundled module still sees
// its own source location. Most cases build a small project of their own in a temp
// directory; the last ones run the real build.
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { build, currentBuild, ensureBuilt, ROOT } from "../../scripts/build.mjs";

const temps: string[] = [];
afterAll(() => {
  for (const t of temps) rmSync(t, { recursive: true, force: true });
});

/** A project with an entry that imports a module reporting its import.meta; a space in the path on purpose. */
function project() {
  const root = path.join(mkdtempSync(path.join(tmpdir(), "ferry-build-")), "the project");
  temps.push(path.dirname(root));
  mkdirSync(path.join(root, "src/lib"), { recursive: true });
  writeFileSync(path.join(root, "src/main.ts"), 'import { where } from "./lib/where.ts";\nconsole.log(JSON.stringify({ ...where, greeting: "hello" }));\n');
  writeWhere(root, "one");
  const options = { root, dist: path.join(root, "dist"), entries: [{ name: "app/main", source: "src/main.ts", splitting: true }] };
  const run = (b: { file: (n: string) => string }) => {
    const r = spawnSync(process.execPath, [b.file("app/main")], { cwd: tmpdir(), encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
    return JSON.parse(r.stdout) as { dirname: string; filename: string; url: string; version: string; greeting: string };
  };
  return { root, options, run };
}

function writeWhere(root: string, version: string) {
  writeFileSync(
    path.join(root, "src/lib/where.ts"),
    `// import.meta.dirname in a comment is harmless\nexport const where = { dirname: import.meta.dirname, filename: import.meta.filename, url: import.meta.url, version: ${JSON.stringify(version)} };\n`,
  );
}

/** Moves a file's mtime, as an edit a second later would. */
function bump(file: string) {
  const t = new Date(statSync(file).mtimeMs + 1000);
  utimesSync(file, t, t);
}

describe("scripts/build.mjs", () => {
  it("gives each bundled module its own source location in import.meta, not the bundle's", async () => {
    const p = project();
    const out = p.run(await build(p.options));
    expect(out).toMatchObject({ dirname: path.join(p.root, "src/lib"), filename: path.join(p.root, "src/lib/where.ts"), version: "one" });
    expect(out.url).toBe(new URL(`file://${path.join(p.root, "src/lib/where.ts")}`).href);
  });

  it("reuses the build while no source changed, and builds again when one did (edited, touched or deleted)", async () => {
    const p = project();
    const first = await ensureBuilt(p.options);
    expect(currentBuild(p.options)?.id).toBe(first.id);
    expect((await ensureBuilt(p.options)).id).toBe(first.id);

    writeWhere(p.root, "two");
    bump(path.join(p.root, "src/lib/where.ts"));
    expect(currentBuild(p.options)).toBeUndefined();
    const second = await ensureBuilt(p.options);
    expect(second.id).not.toBe(first.id);
    expect(p.run(second).version).toBe("two");

    // same content, newer mtime (a checkout, a touch): stale too, and the same build is made
    bump(path.join(p.root, "src/main.ts"));
    expect(currentBuild(p.options)).toBeUndefined();
    expect((await ensureBuilt(p.options)).id).toBe(second.id);
    expect(currentBuild(p.options)?.id).toBe(second.id);

    rmSync(path.join(p.root, "src/lib/where.ts"));
    expect(currentBuild(p.options)).toBeUndefined();
    await expect(ensureBuilt(p.options)).rejects.toThrow(/where\.ts/);
  });

  it("processes that find the build stale at the same time all start from a complete build", async () => {
    const p = project();
    await build(p.options);
    writeWhere(p.root, "three");
    bump(path.join(p.root, "src/lib/where.ts"));
    const script = `const { ensureBuilt } = await import(${JSON.stringify(path.join(ROOT, "scripts/build.mjs"))});
const b = await ensureBuilt(${JSON.stringify(p.options)});
const { execFileSync } = await import("node:child_process");
console.log(JSON.parse(execFileSync(process.execPath, [b.file("app/main")], { encoding: "utf8" })).version, b.id);`;
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => {
        const child = spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "pipe"] });
        let out = "";
        let err = "";
        child.stdout.on("data", (d) => (out += d));
        child.stderr.on("data", (d) => (err += d));
        return new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on("close", (code) => resolve({ code, out, err })));
      }),
    );
    for (const r of runs) expect(r.code, r.err).toBe(0);
    const lines = new Set(runs.map((r) => r.out.trim()));
    expect(lines.size).toBe(1);
    expect([...lines][0]).toMatch(/^three [0-9a-f]{16}$/);
    // no temporary directory or manifest left behind
    expect(readdirSync(p.options.dist).filter((n) => n.startsWith("."))).toEqual([]);
  });

  it("deletes a replaced build once it has been replaced for ten minutes, never the current one", async () => {
    const p = project();
    const old = await build(p.options);
    writeWhere(p.root, "four");
    bump(path.join(p.root, "src/lib/where.ts"));
    const next = await ensureBuilt(p.options);
    // just replaced: kept, for a process that started from it and loads a chunk later
    expect(readdirSync(p.options.dist).sort()).toEqual([old.id, next.id, "current.json"].sort());
    const longAgo = new Date(Date.now() - 11 * 60_000);
    utimesSync(old.dir, longAgo, longAgo);
    utimesSync(next.dir, longAgo, longAgo);
    writeWhere(p.root, "five");
    bump(path.join(p.root, "src/lib/where.ts"));
    const last = await ensureBuilt(p.options);
    // `next` was replaced just now: kept; `old` long ago: gone
    expect(readdirSync(p.options.dist).sort()).toEqual([next.id, last.id, "current.json"].sort());
    expect(p.run(last).version).toBe("five");
  });

  it("refuses an import.meta it cannot pin to the source", async () => {
    const p = project();
    writeFileSync(path.join(p.root, "src/lib/where.ts"), "export const where = { resolved: import.meta.resolve('./x.js') };\n");
    await expect(build(p.options)).rejects.toThrow(/only import\.meta\.url, \.dirname and \.filename/);
  });
});

describe("the real build", () => {
  it("provmgr and the worker are JavaScript that loads no TypeScript, and provmgr runs without tsx", async () => {
    const b = await ensureBuilt();
    const files = readdirSync(b.dir, { recursive: true, withFileTypes: true }).filter((d) => d.isFile());
    expect(files.map((d) => path.extname(d.name)).filter((e) => e !== ".js" && e !== ".map")).toEqual([]);
    for (const d of files.filter((f) => f.name.endsWith(".js"))) {
      // only packages and node: builtins are imported; every project file is in the bundle
      const text = readFileSync(path.join(d.parentPath, d.name), "utf8");
      expect(text).not.toMatch(/from\s+["'][^"']*\.ts["']/);
      expect(text).not.toMatch(/\bfrom\s+["']tsx/);
    }
    // with no loader registered, a .ts import anywhere would fail here
    const r = spawnSync(process.execPath, [b.file("cli/provmgr"), "--help"], {
      cwd: "/",
      encoding: "utf8",
      env: { ...process.env, DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none" },
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("--show-channels");
    expect(r.stderr).toBe("");
  });

  it("finds prisma/migrations and bin/provmgr.log.json from the build, where the sources do", async () => {
    const b = await ensureBuilt();
    /** Where a pinned import.meta.dirname of `source` points from the bundle `entry`. */
    const pinnedDir = (entry: string, source: string) => {
      expect(readFileSync(b.file(entry), "utf8")).toContain(`new URL("../../../${source}", import.meta.url)`);
      return path.dirname(new URL(`../../../${source}`, `file://${b.file(entry)}`).pathname);
    };
    // lib/db/migrate.ts: import.meta.dirname/../../prisma/migrations
    expect(path.resolve(pinnedDir("worker/main", "lib/db/migrate.ts"), "../../prisma/migrations")).toBe(path.join(ROOT, "prisma/migrations"));
    // cli/log.ts: INSTALL_DIR = import.meta.dirname/.., the settings in bin/provmgr.log.json
    expect(path.resolve(pinnedDir("cli/provmgr", "cli/log.ts"), "..")).toBe(ROOT);
  });
});
