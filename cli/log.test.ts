import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { INSTALL_DIR, openProvLog, readLogConfig, rotateIfNeeded } from "./log.ts";

const dir = () => mkdtempSync(path.join(tmpdir(), "provmgr-log-unit-"));

describe("provmgr log settings", () => {
  it("defaults to log/provmgr.log under the install directory when the settings file is missing", () => {
    const cfg = readLogConfig(path.join(dir(), "absent.json"));
    expect(cfg).toEqual({ level: "info", path: "log/provmgr.log", rotation: { maxSize: 10 * 1024 * 1024, maxFiles: 5 } });
    expect(openProvLog({ ...cfg, level: "off" }).file).toBeNull();
  });

  it("reads the shipped bin/provmgr.log.json", () => {
    const cfg = readLogConfig(path.join(INSTALL_DIR, "bin/provmgr.log.json"));
    expect(cfg.path).toBe("log/provmgr.log");
    expect(cfg.rotation.maxSize).toBe(10 * 1024 * 1024);
  });

  it("reads sizes as log4j2 does and rejects what it cannot read, naming the field", () => {
    const d = dir();
    const file = path.join(d, "s.json");
    writeFileSync(file, JSON.stringify({ rotation: { maxSize: "512 KB", maxFiles: 2 } }));
    expect(readLogConfig(file).rotation).toEqual({ maxSize: 512 * 1024, maxFiles: 2 });
    writeFileSync(file, JSON.stringify({ level: "loud" }));
    expect(() => readLogConfig(file)).toThrow(/log settings .*level/);
    writeFileSync(file, "{ not json");
    expect(() => readLogConfig(file)).toThrow(/not valid JSON/);
  });
});

describe("provmgr log file", () => {
  it("writes lines at or above its level, relative paths under the install directory", () => {
    const d = dir();
    const file = path.join(d, "p.log");
    const log = openProvLog({ level: "info", path: file, rotation: { maxSize: 1_000_000, maxFiles: 1 } });
    log.debug("hidden");
    log.info("start", { command: "show-channels", args: "--show-channels --json" });
    const text = readFileSync(file, "utf8");
    expect(text).not.toContain("hidden");
    expect(text).toMatch(/^\d{4}-\d\d-\d\dT\S+Z INFO  start pid=\d+ command=show-channels args="--show-channels --json"\n$/);
  });

  it("rotates at maxSize and keeps at most maxFiles old files", () => {
    const d = dir();
    const file = path.join(d, "p.log");
    for (let i = 0; i < 5; i++) {
      const log = openProvLog({ level: "info", path: file, rotation: { maxSize: 50, maxFiles: 2 } });
      log.info(`run ${i}`, { padding: "x".repeat(60) });
    }
    expect(readFileSync(file, "utf8")).toContain("run 4");
    expect(readFileSync(`${file}.1`, "utf8")).toContain("run 3");
    expect(readFileSync(`${file}.2`, "utf8")).toContain("run 2");
    expect(existsSync(`${file}.3`)).toBe(false);
    expect(rotateIfNeeded(path.join(d, "none.log"), 1, 1)).toBe(false);
  });

  it("warns once and carries on when the log cannot be written", () => {
    const d = dir();
    writeFileSync(path.join(d, "file"), "");
    const warnings: string[] = [];
    const log = openProvLog({ level: "info", path: path.join(d, "file", "p.log"), rotation: { maxSize: 10, maxFiles: 1 } }, (m) => warnings.push(m));
    log.info("a");
    log.info("b");
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/cannot write the log file/);
  });
});
