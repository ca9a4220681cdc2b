// SCIM 2.0 client (RFC 7644): authentication, discovery, users, groups, retries,
// rate limits and classified errors. Tolerant of what real targets send back: every
// response is validated, and anything unexpected is a clear error, never a crash.
import pLimit, { type LimitFunction } from "p-limit";
import { Agent, request } from "undici";
import { z } from "zod";
import type { TTarget } from "../channels/config.ts";
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

export type TScimClientOptions = {
  /** called before each retry wait, for logs */
  onRetry?: (info: { method: string; path: string; attempt: number; waitMs: number; error: ScimError }) => void;
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

  /** One HTTP exchange on the client's connections. Network failures throw a transient ScimError. */
  private async exchange(
    where: string,
    url: string,
    init: { method: string; headers: Record<string, string>; body?: string },
  ): Promise<{ status: number; text: string; header: (name: string) => string | null }> {
    try {
      const res = await request(url, {
        method: init.method as "GET",
        headers: init.headers,
        body: init.body,
        // timeouts (connect, headers, body) are the agent's: a target that accepts the
        // connection and never answers fails after timeoutMs
        dispatcher: this.agent,
      });
      const text = await res.body.text();
      return {
        status: res.statusCode,
        text,
        header: (name) => {
          const v = res.headers[name];
          return v === undefined ? null : Array.isArray(v) ? v.join(", ") : v;
        },
      };
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string } };
      const timedOut = e.code === "UND_ERR_HEADERS_TIMEOUT" || e.code === "UND_ERR_BODY_TIMEOUT";
      const reason = timedOut
        ? `no answer within ${this.target.timeoutMs} ms`
        : e.code === "UND_ERR_SOCKET"
          ? `connection closed without an answer (${e.message})`
          : e.code === "UND_ERR_CONNECT_TIMEOUT"
            ? `could not connect within ${Math.min(this.target.timeoutMs, 10_000)} ms`
            : `${e.code ?? e.cause?.code ?? e.message} (${new URL(url).host})`;
      throw new ScimError("transient", `${where}: ${reason}`);
    }
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
    const text = res.text;
    if (res.status < 200 || res.status >= 300) {
      throw new ScimError(res.status >= 500 ? "transient" : "fatal", `OAuth token endpoint answered ${res.status}`, { status: res.status });
    }
    const parsed = ZToken.safeParse(safeJson(text));
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
    const text = res.text;
    const body = text === "" ? null : safeJson(text);
    if (res.status === 401 && this.target.auth.type === "oauth2") this.oauthToken = undefined;
    if (res.status >= 200 && res.status < 300) {
      if (text !== "" && body === undefined) {
        throw new ScimError("fatal", `${where}: answered ${res.status} with a body that is not JSON: ${text.slice(0, 120)}`, {
          status: res.status,
        });
      }
      return { status: res.status, body };
    }
    if (res.status >= 300 && res.status < 400) {
      // not followed: a SCIM client should not carry its credentials to wherever it is sent
      const to = res.header("location");
      throw new ScimError("fatal", `${where}: ${res.status} redirect${to ? ` to ${to}` : ""}; set the target URL to the final address`, { status: res.status });
    }
    const detail = scimDetail(body) ?? text.slice(0, 200);
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

  private async write(method: "POST" | "PUT" | "PATCH", path: string, body: unknown): Promise<TScimResource | null> {
    const res = await this.request({ method, path, body });
    if (res.body === null || res.status === 204) return null;
    const parsed = ZResource.safeParse(res.body);
    if (!parsed.success) throw new ScimError("fatal", `${method} ${path}: answered ${res.status} without a resource id`);
    return parsed.data;
  }

  async createUser(resource: Record<string, unknown>): Promise<TScimResource> {
    const r = await this.write("POST", "/Users", resource);
    if (!r) throw new ScimError("fatal", "POST /Users: answered without the created resource");
    return r;
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

  async createGroup(displayName: string, memberIds: string[]): Promise<TScimResource> {
    const r = await this.write("POST", "/Groups", {
      schemas: [GROUP_SCHEMA],
      displayName,
      members: memberIds.map((value) => ({ value })),
    });
    if (!r) throw new ScimError("fatal", "POST /Groups: answered without the created resource");
    return r;
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
