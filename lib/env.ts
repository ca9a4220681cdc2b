// The one place configuration is read from the environment, validated once, shared by
// the console, the worker and provmgr. Fails fast with a readable message.
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
  /** a node whose heartbeat is older than this is declared dead by its peers, which release its jobs */
  FERRY_FAILOVER_GRACE_SEC: z.coerce.number().positive().default(20),
  /** the largest request body the console accepts (API and sign-in), in bytes; larger ones get 413 */
  FERRY_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(1024 * 1024),
  /**
   * The reverse proxies in front of the console (addresses or CIDR networks, comma or
   * space separated). Only a request whose socket comes from one of them has its
   * X-Forwarded-For read; none (the default) means the socket's address is the client's.
   */
  FERRY_TRUSTED_PROXIES: ZTrustedProxies,
});

export type TEnv = z.infer<typeof ZEnv> & { dataDir: string };

let cached: TEnv | undefined;

export function getEnv(): TEnv {
  if (cached) return cached;
  const parsed = ZEnv.safeParse(process.env);
  if (!parsed.success) throw new AppError("INVALID_CONFIG", `bad environment:\n${formatZodError(parsed.error)}`);
  cached = { ...parsed.data, dataDir: path.resolve(parsed.data.FERRY_DATA_DIR) };
  return cached;
}

/** Tests change the environment between files; this forgets the cached copy. */
export function resetEnvCache(): void {
  cached = undefined;
}
