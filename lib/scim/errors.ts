// SCIM failures, classified where they are caught (as authentik's outgoing sync does):
// transient ones are retried with backoff, rate-limited ones wait for Retry-After,
// the rest are recorded on the dirty record for the admin to see.
export type TScimErrorKind = "transient" | "rate-limited" | "conflict" | "not-found" | "fatal";

export class ScimError extends Error {
  readonly kind: TScimErrorKind;
  readonly status?: number;
  readonly retryAfterMs?: number;
  readonly scimType?: string;

  constructor(kind: TScimErrorKind, message: string, extra: { status?: number; retryAfterMs?: number; scimType?: string } = {}) {
    super(message);
    this.name = "ScimError";
    this.kind = kind;
    this.status = extra.status;
    this.retryAfterMs = extra.retryAfterMs;
    this.scimType = extra.scimType;
  }

  get retryable(): boolean {
    return this.kind === "transient" || this.kind === "rate-limited";
  }
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
