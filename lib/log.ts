// Plain structured logging to stderr: one line per event, `key=value` context. Secrets
// never reach here (configs are logged through their masked views only).
import { getEnv } from "./env.ts";

const LEVELS = { debug: 10, info: 20, warn: 30, error: 40 } as const;
type TLevel = keyof typeof LEVELS;

export type TLogger = {
  [L in TLevel]: (msg: string, ctx?: Record<string, unknown>) => void;
} & { child(ctx: Record<string, unknown>): TLogger };

function fmt(ctx: Record<string, unknown>): string {
  return Object.entries(ctx)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${typeof v === "string" && !/\s/.test(v) ? v : JSON.stringify(v)}`)
    .join(" ");
}

export function createLogger(base: Record<string, unknown> = {}, sink: (line: string) => void = (l) => process.stderr.write(l + "\n")): TLogger {
  const min = LEVELS[getEnv().FERRY_LOG_LEVEL];
  const log = (level: TLevel) => (msg: string, ctx: Record<string, unknown> = {}) => {
    if (LEVELS[level] < min) return;
    const extra = fmt({ ...base, ...ctx });
    sink(`${new Date().toISOString()} ${level.toUpperCase().padEnd(5)} ${msg}${extra ? " " + extra : ""}`);
  };
  return {
    debug: log("debug"),
    info: log("info"),
    warn: log("warn"),
    error: log("error"),
    child: (ctx) => createLogger({ ...base, ...ctx }, sink),
  };
}

export const logger = createLogger();
