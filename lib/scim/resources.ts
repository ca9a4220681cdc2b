// What users and groups have in common at a target: one resource endpoint (/Users,
// /Groups) with a unique name to find a resource by (userName, displayName), and the
// rule that a write is never repeated blindly. A write whose answer Ferry cannot use
// (an "uncertain" outcome: a 2xx with an unusable body, or a create whose connection
// broke after it was sent) is resolved here, in the same cycle, by looking.
import { z } from "zod";
import { ScimError } from "./errors.ts";
import type { TAnswer, ScimTransport } from "./transport.ts";

export const ZResource = z.object({ id: z.string().min(1) }).passthrough();
export type TScimResource = z.infer<typeof ZResource>;

const ZListResponse = z
  .object({
    totalResults: z.coerce.number().optional(),
    Resources: z.array(ZResource).optional(),
    startIndex: z.coerce.number().optional(),
    itemsPerPage: z.coerce.number().optional(),
  })
  .passthrough();

/** A created resource; `linked`: its answer was lost and it was found by name instead, so what it holds is not known. */
export type TCreated = { id: string; linked: boolean };

export type TUncertainLog = (info: { message: string; outcome: string }) => void;

export class ScimEndpoint {
  private readonly what: "user" | "group";

  constructor(
    private readonly transport: ScimTransport,
    readonly resource: "Users" | "Groups",
    /** the unique name a resource is found by */
    private readonly key: "userName" | "displayName",
    private readonly opts: { maxRetries: number; onUncertain?: TUncertainLog },
  ) {
    this.what = resource === "Users" ? "user" : "group";
  }

  private path(id: string): string {
    return `/${this.resource}/${encodeURIComponent(id)}`;
  }

  /** The one resource whose unique name is `value` (compared case-insensitively), or null. */
  async find(value: string): Promise<TScimResource | null> {
    const { resource, key } = this;
    const filter = `${key} eq "${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
    const { body } = await this.transport.request({ method: "GET", path: `/${resource}`, query: { filter, count: "2" } });
    const parsed = ZListResponse.safeParse(body);
    if (!parsed.success) throw new ScimError("fatal", `GET /${resource}?filter=${filter}: answer is not a SCIM ListResponse`);
    const all = parsed.data.Resources ?? [];
    // some targets ignore the filter or match case-insensitively: check the value ourselves
    const want = value.toLowerCase();
    const hits = all.filter((r) => String((r as Record<string, unknown>)[key] ?? "").toLowerCase() === want);
    if (hits.length > 1) {
      throw new ScimError("conflict", `${resource} ${key} "${value}" matches ${hits.length} resources at the target`);
    }
    return hits[0] ?? null;
  }

  /** GET by id, validated by `schema`; null when the target has no such resource. */
  async get<T>(id: string, schema: z.ZodType<T>, kind: string, query?: Record<string, string>): Promise<T | null> {
    try {
      const { body } = await this.transport.request({ method: "GET", path: this.path(id), ...(query ? { query } : {}) });
      const parsed = schema.safeParse(body);
      if (!parsed.success) throw new ScimError("fatal", `GET /${this.resource}/${id}: answer is not ${kind}`);
      return parsed.data;
    } catch (err) {
      if (err instanceof ScimError && err.kind === "not-found") return null;
      throw err;
    }
  }

  /**
   * One page of the resources the target holds (RFC 7644 §3.4.2.4: startIndex is 1-based).
   * `next` is where the following page starts, null after the last one: a page shorter
   * than asked is not the end (targets may cap the page size), an empty page or reaching
   * totalResults is.
   */
  async page(startIndex: number, count: number, extra: Record<string, string> = {}): Promise<{ resources: TScimResource[]; next: number | null; total: number | undefined }> {
    const path = `/${this.resource}`;
    const { body } = await this.transport.request({ method: "GET", path, query: { ...extra, startIndex: String(startIndex), count: String(count) } });
    const parsed = ZListResponse.safeParse(body);
    if (!parsed.success) throw new ScimError("fatal", `GET ${path}?startIndex=${startIndex}: answer is not a SCIM ListResponse`);
    const resources = parsed.data.Resources ?? [];
    const total = parsed.data.totalResults;
    const next = startIndex + resources.length;
    const done = resources.length === 0 || (total !== undefined && next > total);
    return { resources, next: done ? null : next, total };
  }

  /** How many resources the target holds (its `totalResults`), or null when it does not say. */
  async count(): Promise<number | null> {
    const { body } = await this.transport.request({ method: "GET", path: `/${this.resource}`, query: { startIndex: "1", count: "1" } });
    const n = Number((body as { totalResults?: unknown } | null)?.totalResults);
    return Number.isFinite(n) ? n : null;
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
  async create(body: Record<string, unknown>): Promise<TCreated> {
    const { resource, key, what } = this;
    const value = String(body[key]);
    for (let attempt = 1; ; attempt++) {
      let uncertain: ScimError;
      try {
        const res = await this.transport.request({ method: "POST", path: `/${resource}`, body });
        const parsed = ZResource.safeParse(res.body);
        if (parsed.success) return { id: parsed.data.id, linked: false };
        uncertain = new ScimError("uncertain", `POST /${resource}: answered ${res.status} without the created resource`, { status: res.status });
      } catch (err) {
        if (!(err instanceof ScimError && err.kind === "uncertain")) throw err;
        uncertain = err;
      }
      const found = await this.find(value);
      if (found) {
        this.opts.onUncertain?.({ message: uncertain.message, outcome: `linked: found ${what} "${value}" by ${key}` });
        return { id: found.id, linked: true };
      }
      const mayStillArrive = uncertain.status !== undefined || uncertain.timedOut;
      if (mayStillArrive || attempt > this.opts.maxRetries) {
        const why = mayStillArrive ? "not sent again" : attempt === 1 ? "sent once" : `sent ${attempt} times`;
        throw new ScimError("uncertain", `${uncertain.message}; no ${what} "${value}" at the target by ${key}: ${why}, the next cycle looks again`, {
          status: uncertain.status,
        });
      }
      // the request was lost before any answer and the target has no such resource: it never arrived
      this.opts.onUncertain?.({ message: uncertain.message, outcome: `sent again: no ${what} "${value}" at the target` });
    }
  }

  /**
   * PUT or PATCH. A 2xx whose body is unusable means the target applied the change but its
   * answer is lost: the resource is read back by id (in the same cycle) to confirm it.
   */
  async write(method: "PUT" | "PATCH", id: string, body: unknown): Promise<TScimResource | null> {
    const path = this.path(id);
    try {
      const res = await this.transport.request({ method, path, body });
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
    let res: TAnswer;
    try {
      res = await this.transport.request({ method: "GET", path });
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

  /** DELETE; a resource already gone is deleted, and a 2xx is done whatever its body says. */
  async delete(id: string): Promise<void> {
    try {
      await this.transport.request({ method: "DELETE", path: this.path(id) });
    } catch (err) {
      // already gone is what we wanted
      if (err instanceof ScimError && err.kind === "not-found") return;
      // a 2xx is done, whatever its body says
      if (err instanceof ScimError && err.kind === "uncertain" && err.status !== undefined) return;
      throw err;
    }
  }
}
