// SCIM requests to one target: JSON in and out with the target's Authorization header,
// at most `maxConcurrency` at a time, every answer classified (errors.ts), transient
// failures retried with exponential backoff and jitter, and a 429's Retry-After honoured
// by pausing every request to the target. Tolerant of what real targets send back: an
// answer Ferry cannot use is a clear ScimError, never a crash.
import pLimit, { type LimitFunction } from "p-limit";
import { Stopper } from "../stopper.ts";
import type { ScimAuth } from "./auth.ts";
import { classifyStatus, parseRetryAfter, ScimError } from "./errors.ts";
import { safeJson, type HttpConnections } from "./http.ts";

export type TRequestInit = { method: string; path: string; body?: unknown; query?: Record<string, string> };
export type TAnswer = { status: number; body: unknown };

export type TExchangeInfo = {
  method: string;
  path: string;
  status: number;
  seconds: number;
  attempt: number;
  /** the JSON sent, as sent (the log redacts it) */
  requestBody?: string;
  /** the answer's text; null when it was cut off */
  responseText?: string | null;
  /** no answer: why (connection refused, timed out, ...) */
  networkError?: string;
};

/**
 * The shared rate governor (lib/governor) as the transport uses it: acquire() before each
 * attempt resolves when the request may go (it rejects, and nothing is sent, when the
 * governor cannot tell); throttled() reports a 429 so every sender to the host pauses.
 */
export type TRateGate = {
  acquire(write: boolean): Promise<void>;
  throttled(pauseMs: number): Promise<void>;
};

export type TTransportOptions = {
  /** the target host's shared rate governor; without it the limits are this transport's own */
  governor?: TRateGate;
  /** called before each retry wait, for logs */
  onRetry?: (info: { method: string; path: string; attempt: number; waitMs: number; error: ScimError }) => void;
  /** longest single wait Ferry accepts from Retry-After before giving the record back as dirty */
  maxRetryAfterMs?: number;
  /** called after each HTTP exchange (each attempt), for metrics and the provisioning log: status 0 when no answer came */
  onExchange?: (info: TExchangeInfo) => void;
};

export class ScimTransport {
  private readonly base: string;
  private readonly limit: LimitFunction;
  private readonly maxRetries: number;
  /** while a 429 is being honoured, every request to the target waits until this time */
  private pausedUntil = 0;
  /** requests sent (each attempt counts), for the cycle's statistics */
  requests = 0;

  constructor(
    target: { url: string; maxConcurrency: number; maxRetries: number },
    private readonly http: HttpConnections,
    private readonly auth: ScimAuth,
    private readonly opts: TTransportOptions = {},
  ) {
    this.base = target.url.replace(/\/+$/, "");
    this.limit = pLimit(target.maxConcurrency);
    this.maxRetries = target.maxRetries;
  }

  /**
   * A fenced or aborted cycle sends nothing more: requests waiting for a slot, and any
   * made later, fail at once without touching the network (they settle, so nothing
   * that awaits them hangs); requests already on the wire finish.
   */
  stop(): void {
    this.stopper.stop();
  }

  // a request waiting for the governor stops waiting when stop() is called
  private readonly stopper = new Stopper();

  /** With retries: transient failures back off exponentially; 429 honours Retry-After. */
  async request(init: TRequestInit): Promise<TAnswer> {
    return this.limit(async () => {
      for (let attempt = 1; ; attempt++) {
        // checked when a request gets its slot and before each retry: a stopped client sends nothing more
        if (this.stopper.stopped) throw new ScimError("fatal", `${init.method} ${init.path}: not sent, the cycle was stopped`);
        try {
          await this.admit(init);
          return await this.once(init, attempt);
        } catch (err) {
          const backoffMs = Math.min(250 * 2 ** (attempt - 1), 8_000) * (0.75 + Math.random() * 0.5);
          const maxRetryAfterMs = this.opts.maxRetryAfterMs ?? 60_000;
          // every sender to the host pauses too, even when this request gives up (for no longer than Ferry honours)
          if (err instanceof ScimError && err.kind === "rate-limited") await this.reportThrottle(Math.min(err.retryAfterMs ?? backoffMs, maxRetryAfterMs));
          if (!(err instanceof ScimError) || !err.retryable || attempt > this.maxRetries) throw err;
          let waitMs = backoffMs;
          if (err.retryAfterMs !== undefined) {
            if (err.retryAfterMs > maxRetryAfterMs) throw err;
            waitMs = err.retryAfterMs;
            this.pausedUntil = Math.max(this.pausedUntil, Date.now() + waitMs);
          }
          this.opts.onRetry?.({ method: init.method, path: init.path, attempt, waitMs, error: err });
          await sleep(waitMs);
        }
      }
    });
  }

  /** Waits for the shared rate governor; when it cannot answer, the request is not sent (a transient failure). */
  private async admit(init: TRequestInit): Promise<void> {
    const governor = this.opts.governor;
    if (!governor) return;
    try {
      // a stopped cycle does not wait out a pause or a slot (what it had asked for goes unused)
      await this.stopper.race(governor.acquire(init.method !== "GET"));
    } catch (err) {
      throw new ScimError("transient", `${init.method} ${init.path}: not sent, the rate governor could not be asked (${(err as Error).message.split("\n")[0]})`);
    }
    if (this.stopper.stopped) throw new ScimError("fatal", `${init.method} ${init.path}: not sent, the cycle was stopped`);
  }

  private async reportThrottle(pauseMs: number): Promise<void> {
    // the 429 itself is handled here whatever happens to the report: a lost report costs other senders a 429 of their own
    await this.opts.governor?.throttled(pauseMs).catch(() => undefined);
  }

  /** One HTTP exchange, no retries. */
  private async once(init: TRequestInit, attempt = 1): Promise<TAnswer> {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) await sleep(wait);
    const url = new URL(this.base + init.path);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    const where = `${init.method} ${init.path}`;
    this.requests++;
    const authorization = await this.auth.header();
    const requestBody = init.body === undefined ? undefined : JSON.stringify(init.body);
    const logPath = url.pathname.slice(new URL(this.base).pathname.replace(/\/+$/, "").length) + url.search;
    const t0 = performance.now();
    let res: Awaited<ReturnType<HttpConnections["exchange"]>>;
    try {
      res = await this.http.exchange(where, url.toString(), {
        method: init.method,
        headers: {
          authorization,
          accept: "application/scim+json, application/json",
          ...(init.body !== undefined ? { "content-type": "application/scim+json" } : {}),
        },
        body: requestBody,
      });
    } catch (err) {
      this.opts.onExchange?.({ method: init.method, path: logPath, status: 0, seconds: (performance.now() - t0) / 1000, attempt, requestBody, networkError: (err as Error).message });
      throw err;
    }
    this.opts.onExchange?.({ method: init.method, path: logPath, status: res.status, seconds: (performance.now() - t0) / 1000, attempt, requestBody, responseText: res.text });
    const text = res.text ?? "";
    const body = text === "" ? null : safeJson(text);
    if (res.status === 401) this.auth.rejected();
    if (res.status >= 200 && res.status < 300) {
      const unreadable =
        res.text === null ? `with its body cut off (${res.bodyError})` : text !== "" && body === undefined ? `with a body that is not JSON: ${text.slice(0, 120)}` : null;
      if (unreadable) {
        // a read answered with nonsense failed; a write the target acknowledged may have been applied
        throw new ScimError(init.method === "GET" ? "fatal" : "uncertain", `${where}: answered ${res.status} ${unreadable}`, { status: res.status });
      }
      return { status: res.status, body };
    }
    if (res.status >= 300 && res.status < 400) {
      // not followed: a SCIM client should not carry its credentials to wherever it is sent
      const to = res.header("location");
      throw new ScimError("fatal", `${where}: ${res.status} redirect${to ? ` to ${to}` : ""}; set the target URL to the final address`, { status: res.status });
    }
    const detail = scimDetail(body) ?? (res.text === null ? `(answer cut off: ${res.bodyError})` : text.slice(0, 200));
    let kind = classifyStatus(res.status);
    // a 409 that is not a uniqueness clash on a PATCH is a concurrent-modification refusal
    // (Better Auth: "The SCIM Group changed concurrently; retry the request"): retry it
    if (kind === "conflict" && init.method === "PATCH" && scimType(body) !== "uniqueness") kind = "transient";
    const retryAfterMs = kind === "rate-limited" || res.status === 503 ? parseRetryAfter(res.header("retry-after")) : undefined;
    throw new ScimError(kind, `${where}: ${res.status}${detail ? ` ${detail}` : ""}`, { status: res.status, retryAfterMs, scimType: scimType(body) });
  }
}

/** What an error answer says (RFC 7644 §3.12 `detail`, or what non-SCIM servers put there). */
function scimDetail(body: unknown): string | undefined {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const d = b.detail ?? b.message ?? b.error_description ?? b.error;
    if (typeof d === "string") return d.slice(0, 300);
  }
  return undefined;
}

function scimType(body: unknown): string | undefined {
  if (body && typeof body === "object" && typeof (body as Record<string, unknown>).scimType === "string") {
    return (body as Record<string, string>).scimType;
  }
  return undefined;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
