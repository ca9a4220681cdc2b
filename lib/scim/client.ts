// SCIM 2.0 client (RFC 7644): authentication, discovery, users, groups, retries,
// rate limits and classified errors. Tolerant of what real targets send back: every
// response is validated, and anything unexpected is a clear error, never a crash.
import pLimit, { type LimitFunction } from "p-limit";
import { Agent, request } from "undici";
import { z } from "zod";
import type { TTarget } from "../channel-config/stored.ts";
import { decryptSecret } from "../crypto/secrets.ts";
import { GROUP_SCHEMA, PATCH_SCHEMA, type TPatchOp } from "../mapping/map-entry.ts";
import { ScimError, classifyStatus, parseRetryAfter } from "./errors.ts";

export { ScimError };

const ZResource = z.object({ id: z.string().min(1) }).passthrough();
export type TScimResource = z.infer<typeof ZResource>;

const ZListResponse = z
  .object({
    totalResults: z.coerce.number().optional(),
    Resources: z.array(ZResource).optional(),
    startIndex: z.coerce.number().optional(),
    itemsPerPage: z.coerce.number().optional(),
  })
  .passthrough();

const ZGroup = ZResource.extend({
  displayName: z.string().optional(),
  members: z.array(z.object({ value: z.string() }).passthrough()).optional().nullable(),
});
export type TScimGroup = z.infer<typeof ZGroup>;

/** What /ServiceProviderConfig says; every field has a safe default when it is missing. */
export type TCapabilities = {
  patch: boolean;
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  raw: unknown;
};

const ZServiceProviderConfig = z
  .object({
    patch: z.object({ supported: z.boolean() }).partial().optional(),
    bulk: z.object({ supported: z.boolean(), maxOperations: z.coerce.number(), maxPayloadSize: z.coerce.number() }).partial().optional(),
    filter: z.object({ supported: z.boolean(), maxResults: z.coerce.number() }).partial().optional(),
  })
  .passthrough();

const ZToken = z.object({ access_token: z.string().min(1), expires_in: z.coerce.number().optional() }).passthrough();

type TRequestInit = { method: string; path: string; body?: unknown; query?: Record<string, string> };

/** A created resource; `linked`: its answer was lost and it was found by name instead, so what it holds is not known. */
export type TCreated = { id: string; linked: boolean };

/** Network failures that happen before a request leaves: sending it again cannot duplicate anything. */
const NOT_SENT = new Set(["ECONNREFUSED", "UND_ERR_CONNECT_TIMEOUT", "ENOTFOUND", "EAI_AGAIN", "EHOSTUNREACH", "ENETUNREACH", "UND_ERR_INVALID_ARG"]);
/** Sent, and no (whole) answer within timeoutMs: the target may still be working on it. */
const TIMED_OUT = new Set(["UND_ERR_HEADERS_TIMEOUT", "UND_ERR_BODY_TIMEOUT"]);

export type TScimClientOptions = {
  /** called before each retry wait, for logs */
  onRetry?: (info: { method: string; path: string; attempt: number; waitMs: number; error: ScimError }) => void;
  /** an uncertain write and how it was resolved, for logs */
  onUncertain?: (info: { message: string; outcome: string }) => void;
  /** longest single wait Ferry accepts from Retry-After before giving the record back as dirty */
  maxRetryAfterMs?: number;
};

export class ScimClient {
  private readonly base: string;
  private readonly limit: LimitFunction;
  /**
   * Keep-alive connections for this client's requests (undici's request API: a fraction
   * of fetch's cost per request, which matters at 100,000 users on a small machine).
   */
  private readonly agent: Agent;
  private capabilities?: TCapabilities;
  private oauthToken?: { value: string; expiresAt: number };
  /** while a 429 is being honoured, every request to the target waits until this time */
  private pausedUntil = 0;
  requests = 0;

  constructor(
    readonly target: TTarget,
    private readonly opts: TScimClientOptions = {},
  ) {
    this.base = target.url.replace(/\/+$/, "");
    this.limit = pLimit(target.maxConcurrency);
    this.agent = new Agent({
      connections: target.maxConcurrency,
      keepAliveTimeout: 10_000,
      connectTimeout: Math.min(target.timeoutMs, 10_000),
      headersTimeout: target.timeoutMs,
      bodyTimeout: target.timeoutMs,
    });
  }

  /** Closes the client's connections; requests still running fail, later ones are refused. */
  async close(): Promise<void> {
    this.stop();
    await this.agent.destroy().catch(() => undefined);
  }

  /**
   * One HTTP exchange on the client's connections. A failure before any answer throws: a
   * transient ScimError, or for a POST that may have reached the target an uncertain one
   * (a create must not be sent twice blindly). An answer whose body could not be read
   * (cut off, timed out) comes back with `text: null` and why in `bodyError`.
   */
  private async exchange(
    where: string,
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<{ status: number; text: string | null; bodyError?: string; header: (name: string) => string | null }> {
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
      ? `no answer within ${this.target.timeoutMs} ms`
      : code === "UND_ERR_SOCKET"
        ? `connection closed without an answer (${e.message})`
        : code === "UND_ERR_CONNECT_TIMEOUT"
          ? `could not connect within ${Math.min(this.target.timeoutMs, 10_000)} ms`
          : `${code || e.message} (${new URL(url).host})`;
    return { reason, code };
  }

  /** bearer and basic headers are built once per client (a cycle), not decrypted per request */
  private staticAuth?: string;

  private async authHeader(): Promise<string> {
    const auth = this.target.auth;
    if (this.staticAuth) return this.staticAuth;
    if (auth.type === "bearer") return (this.staticAuth = `Bearer ${decryptSecret(auth.token)}`);
    if (auth.type === "basic") {
      return (this.staticAuth = `Basic ${Buffer.from(`${auth.username}:${decryptSecret(auth.password)}`).toString("base64")}`);
    }
    if (this.oauthToken && this.oauthToken.expiresAt > Date.now() + 30_000) return `Bearer ${this.oauthToken.value}`;
    const form = new URLSearchParams({ grant_type: "client_credentials" });
    if (auth.scope) form.set("scope", auth.scope);
    const res = await this.exchange(`POST ${auth.tokenUrl}`, auth.tokenUrl, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(auth.clientId)}:${encodeURIComponent(decryptSecret(auth.clientSecret))}`).toString("base64")}`,
      },
      body: form.toString(),
    }).catch((err: ScimError) => {
      throw new ScimError("transient", `OAuth token endpoint ${auth.tokenUrl} unreachable: ${err.message.replace(/^POST \S+: /, "")}`);
    });
    if (res.status < 200 || res.status >= 300) {
      throw new ScimError(res.status >= 500 ? "transient" : "fatal", `OAuth token endpoint answered ${res.status}`, { status: res.status });
    }
    if (res.text === null) throw new ScimError("transient", `OAuth token endpoint: answer cut off (${res.bodyError})`);
    const parsed = ZToken.safeParse(safeJson(res.text));
    if (!parsed.success) throw new ScimError("fatal", "OAuth token endpoint answered without an access_token");
    this.oauthToken = { value: parsed.data.access_token, expiresAt: Date.now() + (parsed.data.expires_in ?? 300) * 1000 };
    return `Bearer ${this.oauthToken.value}`;
  }

  /** One HTTP exchange, no retries. */
  private async once(init: TRequestInit): Promise<{ status: number; body: unknown }> {
    const wait = this.pausedUntil - Date.now();
    if (wait > 0) await sleep(wait);
    const url = new URL(this.base + init.path);
    for (const [k, v] of Object.entries(init.query ?? {})) url.searchParams.set(k, v);
    const where = `${init.method} ${init.path}`;
    this.requests++;
    const res = await this.exchange(where, url.toString(), {
      method: init.method,
      headers: {
        authorization: await this.authHeader(),
        accept: "application/scim+json, application/json",
        ...(init.body !== undefined ? { "content-type": "application/scim+json" } : {}),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = res.text ?? "";
    const body = text === "" ? null : safeJson(text);
    if (res.status === 401 && this.target.auth.type === "oauth2") this.oauthToken = undefined;
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

  /** With retries: transient failures back off exponentially; 429 honours Retry-After. */
  async request(init: TRequestInit): Promise<{ status: number; body: unknown }> {
    return this.limit(async () => {
      for (let attempt = 1; ; attempt++) {
        // checked when a request gets its slot and before each retry: a stopped client sends nothing more
        if (this.stopped) throw new ScimError("fatal", `${init.method} ${init.path}: not sent, the cycle was stopped`);
        try {
          return await this.once(init);
        } catch (err) {
          if (!(err instanceof ScimError) || !err.retryable || attempt > this.target.maxRetries) throw err;
          let waitMs = Math.min(250 * 2 ** (attempt - 1), 8_000) * (0.75 + Math.random() * 0.5);
          if (err.retryAfterMs !== undefined) {
            if (err.retryAfterMs > (this.opts.maxRetryAfterMs ?? 60_000)) throw err;
            waitMs = err.retryAfterMs;
            this.pausedUntil = Math.max(this.pausedUntil, Date.now() + waitMs);
          }
          this.opts.onRetry?.({ method: init.method, path: init.path, attempt, waitMs, error: err });
          await sleep(waitMs);
        }
      }
    });
  }

  private stopped = false;

  /**
   * A fenced or aborted cycle sends nothing more: requests waiting for a slot, and any
   * made later, fail at once without touching the network (they settle, so nothing
   * that awaits them hangs); requests already on the wire finish.
   */
  stop(): void {
    this.stopped = true;
  }

  async discover(): Promise<TCapabilities> {
    if (this.capabilities) return this.capabilities;
    let raw: unknown = null;
    try {
      raw = (await this.request({ method: "GET", path: "/ServiceProviderConfig" })).body;
    } catch (err) {
      // a target without discovery still works with conservative defaults; auth or network failures do not
      if (!(err instanceof ScimError) || err.kind !== "not-found") throw err;
    }
    const cfg = ZServiceProviderConfig.safeParse(raw ?? {});
    const c = cfg.success ? cfg.data : {};
    this.capabilities = {
      patch: c.patch?.supported ?? false,
      bulk: {
        supported: c.bulk?.supported ?? false,
        maxOperations: c.bulk?.maxOperations ?? 0,
        maxPayloadSize: c.bulk?.maxPayloadSize ?? 0,
      },
      filter: { supported: c.filter?.supported ?? true, maxResults: c.filter?.maxResults || 100 },
      raw,
    };
    return this.capabilities;
  }

  async usePatch(): Promise<boolean> {
    if (this.target.usePatch === "always") return true;
    if (this.target.usePatch === "never") return false;
    return (await this.discover()).patch;
  }

  private async findOne(resource: "Users" | "Groups", attribute: string, value: string): Promise<TScimResource | null> {
    const filter = `${attribute} eq "${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    const { body } = await this.request({ method: "GET", path: `/${resource}`, query: { filter, count: "2" } });
    const parsed = ZListResponse.safeParse(body);
    if (!parsed.success) throw new ScimError("fatal", `GET /${resource}?filter=${filter}: answer is not a SCIM ListResponse`);
    const all = parsed.data.Resources ?? [];
    // some targets ignore the filter or match case-insensitively: check the value ourselves
    const want = value.toLowerCase();
    const hits = all.filter((r) => String((r as Record<string, unknown>)[attribute] ?? "").toLowerCase() === want);
    if (hits.length > 1) {
      throw new ScimError("conflict", `${resource} ${attribute} "${value}" matches ${hits.length} resources at the target`);
    }
    return hits[0] ?? null;
  }

  findUserByUserName(userName: string) {
    return this.findOne("Users", "userName", userName);
  }

  findGroupByName(displayName: string) {
    return this.findOne("Groups", "displayName", displayName);
  }

  /**
   * PUT or PATCH. A 2xx whose body is unusable means the target applied the change but its
   * answer is lost: the resource is read back by id (in the same cycle) to confirm it.
   */
  private async write(method: "PUT" | "PATCH", path: string, body: unknown): Promise<TScimResource | null> {
    try {
      const res = await this.request({ method, path, body });
      if (res.body === null || res.status === 204) return null;
      const parsed = ZResource.safeParse(res.body);
      if (!parsed.success) throw new ScimError("uncertain", `${method} ${path}: answered ${res.status} without a resource id`, { status: res.status });
      return parsed.data;
    } catch (err) {
      if (!(err instanceof ScimError && err.kind === "uncertain")) throw err;
      return this.readBack(path, err);
    }
  }

  private async readBack(path: string, uncertain: ScimError): Promise<TScimResource> {
    let res: { status: number; body: unknown };
    try {
      res = await this.request({ method: "GET", path });
    } catch (err) {
      if (err instanceof ScimError && err.kind === "not-found") {
        throw new ScimError("not-found", `${uncertain.message}; reading it back: ${err.message}`, { status: 404 });
      }
      throw new ScimError("uncertain", `${uncertain.message}; reading it back failed: ${(err as Error).message}`, { status: uncertain.status });
    }
    const parsed = ZResource.safeParse(res.body);
    if (!parsed.success) throw new ScimError("uncertain", `${uncertain.message}; reading it back gave no resource`, { status: uncertain.status });
    this.opts.onUncertain?.({ message: uncertain.message, outcome: `confirmed: GET ${path} found it` });
    return parsed.data;
  }

  /**
   * POST, never duplicated. When the answer is unusable or lost after sending (an
   * "uncertain" outcome) the resource is looked up by its unique name: found, it is linked
   * (`linked: true`, what it holds is unknown). Not found after the connection broke, the
   * request never got there: the create is sent again (up to maxRetries). Not found after
   * a 2xx (the target said it created something Ferry cannot find) or after no answer in
   * time (the target may still be working on it), it is not sent again: the record stays
   * dirty and the next cycle looks first.
   */
  private async create(
    resource: "Users" | "Groups",
    body: Record<string, unknown>,
    key: { attribute: "userName" | "displayName"; value: string },
  ): Promise<TCreated> {
    const what = resource === "Users" ? "user" : "group";
    for (let attempt = 1; ; attempt++) {
      let uncertain: ScimError;
      try {
        const res = await this.request({ method: "POST", path: `/${resource}`, body });
        const parsed = ZResource.safeParse(res.body);
        if (parsed.success) return { id: parsed.data.id, linked: false };
        uncertain = new ScimError("uncertain", `POST /${resource}: answered ${res.status} without the created resource`, { status: res.status });
      } catch (err) {
        if (!(err instanceof ScimError && err.kind === "uncertain")) throw err;
        uncertain = err;
      }
      const found = await this.findOne(resource, key.attribute, key.value);
      if (found) {
        this.opts.onUncertain?.({ message: uncertain.message, outcome: `linked: found ${what} "${key.value}" by ${key.attribute}` });
        return { id: found.id, linked: true };
      }
      const mayStillArrive = uncertain.status !== undefined || uncertain.timedOut;
      if (mayStillArrive || attempt > this.target.maxRetries) {
        const why = mayStillArrive ? "not sent again" : attempt === 1 ? "sent once" : `sent ${attempt} times`;
        throw new ScimError("uncertain", `${uncertain.message}; no ${what} "${key.value}" at the target by ${key.attribute}: ${why}, the next cycle looks again`, {
          status: uncertain.status,
        });
      }
      // the request was lost before any answer and the target has no such resource: it never arrived
      this.opts.onUncertain?.({ message: uncertain.message, outcome: `sent again: no ${what} "${key.value}" at the target` });
    }
  }

  createUser(resource: Record<string, unknown>): Promise<TCreated> {
    return this.create("Users", resource, { attribute: "userName", value: String(resource.userName) });
  }

  patchUser(id: string, ops: TPatchOp[]) {
    return this.write("PATCH", `/Users/${encodeURIComponent(id)}`, { schemas: [PATCH_SCHEMA], Operations: ops });
  }

  putUser(id: string, resource: Record<string, unknown>) {
    return this.write("PUT", `/Users/${encodeURIComponent(id)}`, { ...resource, id });
  }

  async deleteResource(resource: "Users" | "Groups", id: string): Promise<void> {
    try {
      await this.request({ method: "DELETE", path: `/${resource}/${encodeURIComponent(id)}` });
    } catch (err) {
      // already gone is what we wanted
      if (err instanceof ScimError && err.kind === "not-found") return;
      // a 2xx is done, whatever its body says
      if (err instanceof ScimError && err.kind === "uncertain" && err.status !== undefined) return;
      throw err;
    }
  }

  async getGroup(id: string): Promise<TScimGroup | null> {
    try {
      const { body } = await this.request({ method: "GET", path: `/Groups/${encodeURIComponent(id)}` });
      const parsed = ZGroup.safeParse(body);
      if (!parsed.success) throw new ScimError("fatal", `GET /Groups/${id}: answer is not a SCIM Group`);
      return parsed.data;
    } catch (err) {
      if (err instanceof ScimError && err.kind === "not-found") return null;
      throw err;
    }
  }

  createGroup(displayName: string, memberIds: string[]): Promise<TCreated> {
    return this.create(
      "Groups",
      { schemas: [GROUP_SCHEMA], displayName, members: memberIds.map((value) => ({ value })) },
      { attribute: "displayName", value: displayName },
    );
  }

  patchGroup(id: string, ops: TPatchOp[]) {
    return this.write("PATCH", `/Groups/${encodeURIComponent(id)}`, { schemas: [PATCH_SCHEMA], Operations: ops });
  }

  putGroup(id: string, displayName: string, memberIds: string[]) {
    return this.write("PUT", `/Groups/${encodeURIComponent(id)}`, {
      schemas: [GROUP_SCHEMA],
      id,
      displayName,
      members: memberIds.map((value) => ({ value })),
    });
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

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

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
