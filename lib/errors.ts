// One error type for the whole product. Each code has an HTTP status (console/API)
// and a process exit code (provmgr), so every edge reports failures the same way.
import { ZodError } from "zod";

export const ERROR_CODES = {
  INVALID_ARGUMENT: { http: 400, exit: 2 },
  INVALID_CONFIG: { http: 400, exit: 3 },
  /** API only (provmgr sends no request bodies): a body over FERRY_MAX_BODY_BYTES */
  PAYLOAD_TOO_LARGE: { http: 413, exit: 2 },
  NOT_FOUND: { http: 404, exit: 4 },
  CONFLICT: { http: 409, exit: 5 },
  /** another cycle of the channel holds its lease (lib/sync/lease.ts): a wait of seconds, not a conflict to resolve */
  CYCLE_RUNNING: { http: 409, exit: 5 },
  UNAUTHORIZED: { http: 401, exit: 6 },
  FORBIDDEN: { http: 403, exit: 6 },
  DATABASE_UNAVAILABLE: { http: 503, exit: 7 },
  LDAP_ERROR: { http: 502, exit: 8 },
  SCIM_ERROR: { http: 502, exit: 9 },
  INTERNAL: { http: 500, exit: 1 },
} as const;

export type TErrorCode = keyof typeof ERROR_CODES;

export class AppError extends Error {
  readonly code: TErrorCode;
  readonly details?: Record<string, unknown>;

  constructor(code: TErrorCode, message: string, details?: Record<string, unknown>, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code].http;
  }

  get exitCode(): number {
    return ERROR_CODES[this.code].exit;
  }
}

/** Readable one-line-per-issue text for a zod failure: `source.url: Invalid URL`. */
export function formatZodError(err: ZodError, prefix = ""): string {
  return err.issues
    .map((i) => {
      const where = [prefix, ...i.path.map(String)].filter(Boolean).join(".");
      return where ? `${where}: ${i.message}` : i.message;
    })
    .join("\n");
}

/** Turns anything thrown into an AppError without leaking stacks or secrets. */
export function toAppError(err: unknown): AppError {
  if (err instanceof AppError) return err;
  if (err instanceof ZodError) return new AppError("INVALID_ARGUMENT", formatZodError(err));
  const e = err as { code?: string; message?: string } | undefined;
  if (e && typeof e.code === "string" && /^(ECONNREFUSED|ENOTFOUND|ETIMEDOUT|57P01|08\d{3}|3D000|28P01)$/.test(e.code)) {
    return new AppError("DATABASE_UNAVAILABLE", `database unreachable (${e.code}): ${e.message ?? ""}`.trim());
  }
  return new AppError("INTERNAL", e?.message ?? String(err), undefined, { cause: err });
}
