// The conformance probe behind "Test target": what a SCIM service provider actually does,
// asked with harmless requests only — reads, and a PATCH of a resource id that cannot
// exist (`ferry-probe-…`): a target answers it 404 (or 400) when it has PATCH at all, and
// 405/501 when it does not. Nothing is created, changed or deleted. Each finding is
// `null` when the target's answer did not tell.
import { ScimError } from "./errors.ts";
import type { ScimTransport } from "./transport.ts";

export type TProbeFindings = {
  /** schema ids from /Schemas, null when the endpoint is missing */
  schemas: string[] | null;
  /** resource type names from /ResourceTypes, null when the endpoint is missing */
  resourceTypes: string[] | null;
  /** user attributes /Schemas marks required */
  requiredUserAttributes: string[];
  /** does `userName eq "…"` answer; does `… and …` */
  filters: { eq: boolean | null; and: boolean | null };
  /** does the target honour startIndex; the most resources it returned for one page asked with count=1000 */
  paging: { startIndex: boolean | null; maxPageSize: number | null };
  /** does the target route PATCH /Users/{id} */
  patch: boolean | null;
  /** what the target's own product says it is, where an answer names it (documentationUri, a server header) */
  hints: string[];
};

const PROBE_ID = "ferry-probe-00000000-0000-0000-0000-000000000000";
const PROBE_NAME = "ferry-probe-no-such-user";

type TRead = { ok: true; body: unknown } | { ok: false; status: number | undefined; message: string };

async function read(t: ScimTransport, path: string, query?: Record<string, string>): Promise<TRead> {
  try {
    const res = await t.request({ method: "GET", path, ...(query ? { query } : {}) });
    return { ok: true, body: res.body };
  } catch (err) {
    if (err instanceof ScimError && err.status !== undefined && err.status !== 401 && err.status !== 403) return { ok: false, status: err.status, message: err.message };
    throw err;
  }
}

const asRecord = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});
const resourcesOf = (body: unknown): unknown[] => {
  const b = asRecord(body);
  if (Array.isArray(b.Resources)) return b.Resources;
  return Array.isArray(body) ? body : [];
};

function requiredOf(attributes: unknown, prefix = ""): string[] {
  if (!Array.isArray(attributes)) return [];
  return attributes.flatMap((a) => {
    const r = asRecord(a);
    const name = `${prefix}${String(r.name ?? "")}`;
    const own = r.required === true && r.mutability !== "readOnly" && name !== "id" ? [name] : [];
    return [...own, ...requiredOf(r.subAttributes, `${name}.`).filter(() => r.required === true)];
  });
}

/** Runs the probe. Authentication and network failures are thrown (the test fails); refusals are findings. */
export async function probeTarget(t: ScimTransport, spc: unknown): Promise<TProbeFindings> {
  const hints: string[] = [];
  const doc = asRecord(spc).documentationUri;
  if (typeof doc === "string" && doc) hints.push(doc);

  const schemasRead = await read(t, "/Schemas");
  const schemas = schemasRead.ok ? resourcesOf(schemasRead.body).map((s) => String(asRecord(s).id ?? "")).filter(Boolean) : null;
  const userSchema = schemasRead.ok ? resourcesOf(schemasRead.body).find((s) => String(asRecord(s).id).endsWith(":core:2.0:User")) : undefined;
  const requiredUserAttributes = userSchema ? requiredOf(asRecord(userSchema).attributes) : [];

  const typesRead = await read(t, "/ResourceTypes");
  const resourceTypes = typesRead.ok ? resourcesOf(typesRead.body).map((r) => String(asRecord(r).name ?? asRecord(r).id ?? "")).filter(Boolean) : null;

  const eq = await read(t, "/Users", { filter: `userName eq "${PROBE_NAME}"`, count: "1" });
  const and = await read(t, "/Users", { filter: `userName eq "${PROBE_NAME}" and active eq true`, count: "1" });

  // paging: two one-resource pages must differ when the target holds two or more
  const first = await read(t, "/Users", { startIndex: "1", count: "1" });
  let startIndex: boolean | null = null;
  let maxPageSize: number | null = null;
  if (first.ok) {
    const total = Number(asRecord(first.body).totalResults);
    if (Number.isFinite(total) && total >= 2) {
      const second = await read(t, "/Users", { startIndex: "2", count: "1" });
      const idOf = (b: unknown) => String(asRecord(resourcesOf(b)[0]).id ?? "");
      startIndex = second.ok ? idOf(second.body) !== "" && idOf(second.body) !== idOf(first.body) : false;
      const big = await read(t, "/Users", { startIndex: "1", count: "1000" });
      const got = big.ok ? resourcesOf(big.body).length : 0;
      // fewer than asked while more are there: the target's cap
      if (big.ok && got < Math.min(1000, total)) maxPageSize = got;
    }
  }

  let patch: boolean | null = null;
  try {
    await t.request({ method: "PATCH", path: `/Users/${PROBE_ID}`, body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "replace", value: { active: true } }] } });
    patch = true;
  } catch (err) {
    if (!(err instanceof ScimError) || err.status === undefined || err.status === 401 || err.status === 403) throw err;
    patch = err.status === 405 || err.status === 501 ? false : err.status === 404 || err.status === 400 ? true : null;
  }

  return {
    schemas,
    resourceTypes,
    requiredUserAttributes,
    filters: { eq: eq.ok, and: and.ok ? true : and.status === 400 ? false : null },
    paging: { startIndex, maxPageSize },
    patch,
    hints,
  };
}
