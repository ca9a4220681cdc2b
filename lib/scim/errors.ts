// SCIM failures, classified where they are caught (as authentik's outgoing sync does):
// transient ones are retried with backoff, rate-limited ones wait for Retry-After,
// the rest are recorded on the dirty record for the admin to see.
//
// "uncertain": a write the target may well have applied, whose answer Ferry could not use
// (a 2xx with a body that is not JSON, cut off, or without the resource; or a create whose
// connection failed after it was sent). It is never retried blindly (a create sent twice
// is a duplicate); the SCIM client resolves it by finding the resource (lib/scim/resources.ts).
//
// Whatever its kind, a ScimError that reaches an edge is the AppError SCIM_ERROR (502,
// provmgr exit 9): the target failed, not Ferry.
import { AppError } from "../errors.ts";

export type TScimErrorKind = "transient" | "rate-limited" | "conflict" | "not-found" | "uncertain" | "fatal";

export class ScimError extends AppError {
  readonly kind: TScimErrorKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly scimType?: string;
  /** no answer in time: the target may still be working on the request */
  readonly timedOut: boolean;

  constructor(kind: TScimErrorKind, message: string, extra: { status?: number; retryAfterMs?: number; scimType?: string; timedOut?: boolean } = {}) {
    super("SCIM_ERROR", message, { kind, ...(extra.status !== undefined ? { status: extra.status } : {}), ...(extra.scimType ? { scimType: extra.scimType } : {}) });
    this.name = "ScimError";
    this.kind = kind;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
    this.scimType = extra.scimType;
    this.timedOut = extra.timedOut ?? false;
  }

  get retryable(): boolean {
    return this.kind === "transient" || this.kind === "rate-limited";
  }
}

/**
 * Whether a failed push is this record's own problem (the target refused *it*: a 400, a
 * 409 it could not resolve, a mapping Ferry could not build), as opposed to the target's
 * as a whole (it refuses the credentials, is down, unreachable, or could not be read). A
 * record's own refusal backs off; the target's counts against the channel's health.
 */
export function isRecordFault(err: unknown): boolean {
  if (!(err instanceof ScimError)) return true;
  if (err.kind !== "fatal" && err.kind !== "conflict" && err.kind !== "not-found") return false;
  return err.status === undefined || (err.status >= 400 && err.status < 500 && err.status !== 401 && err.status !== 403 && err.status !== 407);
}

export function classifyStatus(status: number): TScimErrorKind {
  if (status === 429) return "rate-limited";
  if (status === 404) return "not-found";
  if (status === 409) return "conflict";
  if (status === 408 || status >= 500) return "transient";
  return "fatal";
}

/** Retry-After as delta-seconds or an HTTP date (RFC 9110 §10.2.3), in ms; capped below at 0. */
export function parseRetryAfter(header: string | null, now = Date.now()): number | undefined {
  if (!header) return undefined;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}
