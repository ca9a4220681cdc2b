// provmgr's own log file. The original tool writes <install>/log/provmgr.log and reads
// its settings from provmgr.log4j2.xml beside it; here the settings are
// bin/provmgr.log.json beside bin/provmgr.js (FERRY_PROVMGR_LOG_CONFIG names another
// file). Writes are synchronous: a CLI run logs a handful of lines and must not lose
// the last one when it exits with an error code.
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { getProvmgrEnv } from "../lib/env.ts";
import { AppError, formatZodError } from "../lib/errors.ts";
import { printable } from "./format.ts";

/** Where Ferry is installed: relative paths in the log settings are taken from here, not from the cwd. */
export const INSTALL_DIR = path.resolve(import.meta.dirname, "..");
export const DEFAULT_LOG_CONFIG = path.join(INSTALL_DIR, "bin", "provmgr.log.json");

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40, off: 100 } as const;
type TLevel = Exclude<keyof typeof LEVELS, "off">;

/** "10 MB", "512KB", "1048576" (bytes), as log4j2's SizeBasedTriggeringPolicy reads them. */
const ZSize = z.union([
  z.number().int().positive(),
  z
    .string()
    .regex(/^\s*\d+(\.\d+)?\s*(B|KB|MB|GB)?\s*$/i, 'must be a size such as "10 MB", "512 KB" or a number of bytes')
    .transform((s) => {
      const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|MB|GB)?\s*$/i.exec(s)!;
      const unit = (m[2] ?? "B").toUpperCase();
      const factor = unit === "GB" ? 1024 ** 3 : unit === "MB" ? 1024 ** 2 : unit === "KB" ? 1024 : 1;
      return Math.max(1, Math.round(Number(m[1]) * factor));
    }),
]);

export const ZLogConfig = z
  .object({
    $comment: z.union([z.string(), z.array(z.string())]).optional(),
    level: z.enum(["debug", "info", "warn", "error", "off"]).default("info"),
    /** relative paths are relative to the install directory */
    path: z.string().min(1).default("log/provmgr.log"),
    rotation: z
      .object({
        /** rotate when the file has reached this size */
        maxSize: ZSize.default(10 * 1024 * 1024),
        /** rotated files kept: provmgr.log.1 … provmgr.log.<maxFiles>; 0 keeps none */
        maxFiles: z.number().int().min(0).max(100).default(5),
      })
      .strict()
      .default({ maxSize: 10 * 1024 * 1024, maxFiles: 5 }),
  })
  .strict();
export type TLogConfig = z.output<typeof ZLogConfig>;

export type TProvLog = {
  [L in TLevel]: (msg: string, ctx?: Record<string, unknown>) => void;
} & { file: string | null };

export function readLogConfig(file = getProvmgrEnv().FERRY_PROVMGR_LOG_CONFIG ?? DEFAULT_LOG_CONFIG): TLogConfig {
  // no settings file: the defaults, as log4j2 does without its XML
  if (!existsSync(file)) return ZLogConfig.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (err) {
    throw new AppError("INVALID_CONFIG", `log settings ${file} are not valid JSON: ${(err as Error).message}`);
  }
  const parsed = ZLogConfig.safeParse(raw);
  if (!parsed.success) throw new AppError("INVALID_CONFIG", `log settings ${file}: ${formatZodError(parsed.error).replace(/\n/g, "; ")}`);
  return parsed.data;
}

/** provmgr.log -> provmgr.log.1 -> … -> provmgr.log.<maxFiles>, the oldest dropped. */
export function rotateIfNeeded(file: string, maxSize: number, maxFiles: number): boolean {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return false;
  }
  if (size < maxSize) return false;
  // two provmgr runs may rotate at the same moment: a rename that lost the race is harmless
  const attempt = (fn: () => void) => {
    try {
      fn();
    } catch {
      /* another process rotated first */
    }
  };
  if (maxFiles === 0) {
    attempt(() => rmSync(file, { force: true }));
    return true;
  }
  attempt(() => rmSync(`${file}.${maxFiles}`, { force: true }));
  for (let i = maxFiles - 1; i >= 1; i--) {
    if (existsSync(`${file}.${i}`)) attempt(() => renameSync(`${file}.${i}`, `${file}.${i + 1}`));
  }
  attempt(() => renameSync(file, `${file}.1`));
  return true;
}

function fmt(ctx: Record<string, unknown>): string {
  return Object.entries(ctx)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" && v !== "" && !/[\s"=]/.test(v) ? v : JSON.stringify(v, (_, x) => (typeof x === "bigint" ? x.toString() : x))}`)
    .join(" ");
}

export function openProvLog(config: TLogConfig = readLogConfig(), warn: (msg: string) => void = (m) => process.stderr.write(m + "\n")): TProvLog {
  const min = LEVELS[config.level];
  const file = config.level === "off" ? null : path.resolve(INSTALL_DIR, config.path);
  // opened on the first line written: `provmgr --help` leaves no log behind
  let opened = false;
  let broken = false;
  const base = { pid: process.pid };
  const log = (level: TLevel) => (msg: string, ctx: Record<string, unknown> = {}) => {
    if (!file || broken || LEVELS[level] < min) return;
    const extra = fmt({ ...base, ...ctx });
    try {
      if (!opened) {
        mkdirSync(path.dirname(file), { recursive: true });
        rotateIfNeeded(file, config.rotation.maxSize, config.rotation.maxFiles);
        opened = true;
      }
      // one line per entry, and nothing a terminal would obey when someone tails the log
      appendFileSync(file, `${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${printable(msg)}${extra ? " " + printable(extra) : ""}\n`);
    } catch (err) {
      // a log that cannot be written must not stop the operation the administrator asked for
      broken = true;
      warn(`provmgr: warning: cannot write the log file ${file}: ${(err as Error).message}`);
    }
  };
  return { debug: log("debug"), info: log("info"), warn: log("warn"), error: log("error"), file };
}
