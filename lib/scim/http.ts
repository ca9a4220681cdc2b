// One HTTP exchange with a target (or its OAuth token endpoint) over keep-alive
// connections: undici's request API, a fraction of fetch's cost per request, which
// matters at 100,000 users on a small machine. No auth, no retries, no reading of SCIM:
// only what the network did, classified by whether the request can have reached the target.
import { Agent, request } from "undici";
import { ScimError } from "./errors.ts";

/** Network failures that happen before a request leaves: sending it again cannot duplicate anything. */
const NOT_SENT = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_INVALID_ARG"]);
/** Sent, and no (whole) answer within timeoutMs: the target may still be working on it. */
const TIMED_OUT = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

/** An answer; `text: null` when its body could not be read (cut off, timed out), with why in `bodyError`. */
export type THttpAnswer = { status: number; text: string | null; bodyError?: string; header: (name: string) => string | null };

export class HttpConnections {
  private readonly agent: Agent;

  constructor(
    private readonly timeoutMs: number,
    maxConcurrency: number,
  ) {
    this.agent = new Agent({
      connections: maxConcurrency,
      keepAliveTimeout: 10_000,
      connectTimeout: Math.min(timeoutMs, 10_000),
      headersTimeout: timeoutMs,
      bodyTimeout: timeoutMs,
    });
  }

  /** Closes the connections; requests still running fail, later ones are refused. */
  async close(): Promise<void> {
    await this.agent.destroy().catch(() => undefined);
  }

  /**
   * One HTTP exchange. A failure before any answer throws: a transient ScimError, or for a
   * POST that may have reached the target an uncertain one (a create must not be sent
   * twice blindly). An answer whose body could not be read comes back with `text: null`.
   */
  async exchange(where: string, url: string, init: { method: string; headers: Record<string, string>; body?: string }): Promise<THttpAnswer> {
    let res: Awaited<ReturnType<typeof request>>;
    try {
      res = await request(url, {
        method: init.method as "GET",
        headers: init.headers,
        body: init.body,
        // timeouts (connect, headers, body) are the agent's: a target that accepts the
        // connection and never answers fails after timeoutMs
        dispatcher: this.agent,
      });
    } catch (err) {
      const { reason, code } = this.networkReason(err, url);
      // refused, unresolvable, unreachable: the request never left; anything later (a reset,
      // no answer in time) may come after the target acted on it
      const maybeSent = !NOT_SENT.has(code);
      throw new ScimError(init.method === "POST" && maybeSent ? "uncertain" : "transient", `${where}: ${reason}`, { timedOut: TIMED_OUT.has(code) });
    }
    const header = (name: string) => {
      const v = res.headers[name];
      return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
    };
    try {
      return { status: res.statusCode, text: await res.body.text(), header };
    } catch (err) {
      return { status: res.statusCode, text: null, bodyError: this.networkReason(err, url).reason, header };
    }
  }

  private networkReason(err: unknown, url: string): { reason: string; code: string } {
    const e = err as Error & { code?: string; cause?: { code?: string } };
    const code = e.code ?? e.cause?.code ?? "";
    const reason = TIMED_OUT.has(code)
      ? `no answer within ${this.timeoutMs} ms`
      : code === "UND_ERR_SOCKET"
        ? `connection closed without an answer (${e.message})`
        : code === "UND_ERR_CONNECT_TIMEOUT"
          ? `could not connect within ${Math.min(this.timeoutMs, 10_000)} ms`
          : `${code || e.message} (${new URL(url).host})`;
    return { reason, code };
  }
}

/** JSON.parse that answers `undefined` for what is not JSON. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
