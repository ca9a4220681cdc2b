// The one place configuration is read from the environment, validated, failing fast
// with every bad variable named. getEnv() is what the console, the worker and provmgr
// share; getLaunchEnv() and getProvmgrEnv() are what only `npm start`/the demo and
// provmgr read, so a bad PORT never stops a worker. The console's sign-in settings are
// lib/auth/auth-env.ts. cli/ and scripts/ read their settings here, not from process.env.
import net from "node:net";
import path from "node:path";
import { z } from "zod";
import { AppError, formatZodError } from "./errors.ts";

/** One proxy of FERRY_TRUSTED_PROXIES: an address, or a network in CIDR notation. */
export type TTrustedProxy = { address: string; prefix: number; family: "ipv4" | "ipv6" };

const ZTrustedProxies = z
  .string()
  .default("")
  .transform((text, ctx): TTrustedProxy[] => {
    const out: TTrustedProxy[] = [];
    for (const entry of text.split(/[\s,]+/).filter(Boolean)) {
      const [address = "", bits, extra] = entry.split("/");
      const v = net.isIP(address);
      const prefix = bits === undefined ? (v === 4 ? 32 : 128) : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
      if (v === 0 || extra !== undefined || !(prefix >= 0 && prefix <= (v === 4 ? 32 : 128))) {
        ctx.addIssue({ code: "custom", message: `"${entry}" is not an IP address or a CIDR network (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)` });
        continue;
      }
      out.push({ address, prefix, family: v === 4 ? "ipv4" : "ipv6" });
    }
    return out;
  });

const ZEnv = z.object({
  DATABASE_URL: z.string().url().optional(),
  FERRY_DATA_DIR: z.string().default("./data"),
  /** base64 of 32 bytes; when unset a key file is created in the data directory */
  FERRY_SECRET_KEY: z.string().optional(),
  FERRY_EMBEDDED_PG_PORT: z.coerce.number().int().min(1).max(65535).default(54329),
  FERRY_NODE_ID: z.coerce.number().int().min(1).optional(),
  FERRY_LOG_LEVEL: z.enum(["debug", "info", "warn", "error"]).default("info"),
  /** seconds between a node's heartbeats */
  FERRY_HEARTBEAT_SEC: z.coerce.number().positive().default(5),
  /** how often the worker makes sure every active channel has its next cycle queued */
  FERRY_SCHEDULER_SEC: z.coerce.number().positive().default(5),
  /** a cycle's lease on its channel; renewed with every write, so a node that stops answering loses it this long after its last write */
  FERRY_LEASE_SEC: z.coerce.number().positive().default(30),
  /**
   * a channel whose directory did not change since its last clean cycle runs no scheduled
   * cycle, only a look at the directory's change marker (lib/sync/quiet-poll.ts), but a
   * whole one at least this often (checking the target); 0: every scheduled cycle runs
   */
  FERRY_QUIET_CYCLE_SEC: z.coerce.number().int().min(0).default(600),
  /** a node whose heartbeat is older than this is declared dead by its peers, which release its jobs */
  FERRY_FAILOVER_GRACE_SEC: z.coerce.number().positive().default(20),
  /**
   * Cycles a worker node runs at once, of every channel. Cycles mostly wait on the
   * directory, the target and the database, so more than the node's cores is fine.
   */
  FERRY_WORKER_CONCURRENCY: z.coerce.number().int().min(2).max(200).default(6),
  /**
   * How many of those may be long cycles (first loads, full reconciliations); the others
   * are kept for incremental cycles, so long work never holds back another channel's
   * changes (lib/jobs/cycle-lane.ts). Less than FERRY_WORKER_CONCURRENCY.
   */
  FERRY_WORKER_BULK_CONCURRENCY: z.coerce.number().int().min(1).max(199).default(2),
  /**
   * Which lanes this worker process runs: `all` (the default), or only `incremental` or
   * only `bulk`, so that one machine can run two workers (two nodes) and keep long cycles
   * off the thread that runs every other channel's incremental cycles. A cluster needs
   * at least one node running each lane: bulk cycles wait for a node that runs them.
   */
  FERRY_WORKER_LANES: z.enum(["all", "incremental", "bulk"]).default("all"),
  /** the largest request body the console accepts (API and sign-in), in bytes; larger ones get 413 */
  FERRY_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  /**
   * The reverse proxies in front of the console (addresses or CIDR networks, comma or
   * space separated). Only a request whose socket comes from one of them has its
   * X-Forwarded-For read; none (the default) means the socket's address is the client's.
   */
  FERRY_TRUSTED_PROXIES: ZTrustedProxies,
  /** the worker's monitoring endpoint (/metrics, /healthz, /readyz); port 0 switches it off */
  FERRY_METRICS_HOST: z.string().default("127.0.0.1"),
  FERRY_METRICS_PORT: z.coerce.number().int().min(0).max(65535).default(9464),
  /** days the provisioning log (every request sent to a target) is kept; 0 switches it off */
  FERRY_PROVISIONING_LOG_DAYS: z.coerce.number().int().min(0).max(3650).default(30),
  /** the console's address as people reach it (https://ferry.example.com), for links in alerts */
  FERRY_PUBLIC_URL: z.preprocess((v) => (v === "" ? undefined : v), z.string().url().optional()),
});

export type TEnv = z.infer<typeof ZEnv> & { dataDir: string };

/** A program's own defaults, under the environment's values (setEnvDefaults). */
let defaults: Record<string, string> = {};

function readEnv<S extends z.ZodType>(schema: S): z.output<S> {
  const parsed = schema.safeParse({ ...defaults, ...process.env });
  if (!parsed.success) throw new AppError("INVALID_CONFIG", `bad environment:\n${formatZodError(parsed.error)}`);
  return parsed.data;
}

let cached: TEnv | undefined;

export function getEnv(): TEnv {
  if (cached) return cached;
  const env = readEnv(ZEnv);
  cached = { ...env, dataDir: path.resolve(env.FERRY_DATA_DIR) };
  return cached;
}

/** Tests change the environment between files; this forgets the cached copy. */
export function resetEnvCache(): void {
  cached = undefined;
}

/**
 * Defaults of this program that differ from everyone's, taken where the environment
 * says nothing; call before anything reads the environment. provmgr's data directory is
 * its installation's, wherever it is started from.
 */
export function setEnvDefaults(values: { FERRY_DATA_DIR?: string }): void {
  defaults = Object.fromEntries(Object.entries(values).filter((e): e is [string, string] => e[1] !== undefined));
  resetEnvCache();
}

/** What a child process starts with: this process's environment (and defaults), with overrides. */
export function childEnv(overrides: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...defaults, ...process.env, ...overrides };
}

/** An empty variable counts as unset (`PORT= npm start`). */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === "" ? undefined : v), schema);
const ZPort = z.coerce.number({ message: "must be a port number" }).int("must be a port number").min(1, "must be a port number").max(65535, "must be a port number");

const ZLaunchEnv = z.object({
  /** the console's port (npm start, the demo; scripts/console-server.ts without --port) */
  PORT: unsetIfEmpty(ZPort.default(3000)),
  /** the console's address: loopback unless told otherwise (put TLS in front before exposing it) */
  FERRY_HOST: unsetIfEmpty(z.string().default("127.0.0.1")),
  /** "1": build the console again even when .next holds a build */
  FERRY_REBUILD: unsetIfEmpty(z.enum(["0", "1"], { message: 'must be "1" (rebuild the console) or "0"' }).default("0")).transform((v) => v === "1"),
  /** the demo's SCIM service port; unset or 0: any free port */
  FERRY_DEMO_SCIM_PORT: unsetIfEmpty(z.coerce.number({ message: "must be a port number" }).int().min(0).max(65535, "must be a port number").optional()),
});
export type TLaunchEnv = z.output<typeof ZLaunchEnv>;

/** What `npm start`, the demo and the console server they start read besides getEnv() (and the console's NEXTAUTH_URL). */
export function getLaunchEnv(): TLaunchEnv {
  return readEnv(ZLaunchEnv);
}

const ZProvmgrEnv = z.object({
  /** provmgr's log settings file, instead of bin/provmgr.log.json */
  FERRY_PROVMGR_LOG_CONFIG: unsetIfEmpty(z.string().optional()),
  /** how long provmgr waits for the database named by DATABASE_URL before giving up (exit 7) */
  FERRY_PROVMGR_DB_TIMEOUT_SEC: unsetIfEmpty(z.coerce.number({ message: "must be a number of seconds" }).positive("must be a number of seconds").default(15)),
});
export type TProvmgrEnv = z.output<typeof ZProvmgrEnv>;

/** What provmgr reads besides getEnv(). */
export function getProvmgrEnv(): TProvmgrEnv {
  return readEnv(ZProvmgrEnv);
}
