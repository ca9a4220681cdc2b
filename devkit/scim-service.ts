/**
 * The contract every real SCIM service provider harness (Better Auth, SCIMMY) fulfils, so
 * integration tests, the demo and the benchmark can provision into either one and then
 * inspect what actually arrived without going through Ferry's own client.
 */

export interface ScimUserView {
  id: string;
  userName: string;
  active: boolean;
  name?: { givenName?: string; familyName?: string };
  emails?: Array<{ value: string }>;
  displayName?: string;
  raw: any;
}

export interface ScimGroupView {
  id: string;
  displayName: string;
  /** member user ids */
  members: string[];
  raw: any;
}

export interface ScimService {
  kind: "better-auth" | "scimmy";
  /** The SCIM base without trailing slash; Users live at `${baseUrl}/Users`. */
  baseUrl: string;
  /** Bearer token Ferry is configured with. */
  token: string;
  /**
   * Authenticated call, path relative to baseUrl (e.g. "/Users?count=5"). An object body is sent as
   * application/scim+json; a string body is sent as-is, so malformed JSON can be tested. The
   * response body comes back parsed if it is JSON, as text otherwise, and as null when empty.
   */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>;
  /** All users, following pagination. */
  listUsers(): Promise<ScimUserView[]>;
  /** All groups, with members. */
  listGroups(): Promise<ScimGroupView[]>;
  /** How many HTTP requests the service received (including discovery and rejected ones). */
  requestCount(): number;
  stop(): Promise<void>;
}

export const SCIM_USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User";
export const SCIM_GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const SCIM_PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const SCIM_ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/**
 * Harness-side HTTP client. The body comes back parsed when it is JSON and as the raw text
 * otherwise (empty string -> null), so tests can assert on misbehaving responses too.
 */
export async function scimFetch(
  baseUrl: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {
    authorization: `Bearer ${token}`,
    accept: "application/scim+json, application/json",
  };
  const init: RequestInit = { method: method.toUpperCase(), headers };
  if (body !== undefined) {
    headers["content-type"] = "application/scim+json";
    init.body = typeof body === "string" ? body : JSON.stringify(body);
  }
  const res = await fetch(baseUrl + (path.startsWith("/") ? path : `/${path}`), init);
  const text = await res.text();
  let parsed: any = null;
  if (text !== "") {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return { status: res.status, body: parsed };
}

/** Walks startIndex/count pages until totalResults is reached or a page comes back empty. */
export async function listAll(
  request: ScimService["request"],
  resource: "Users" | "Groups",
  pageSize: number,
): Promise<any[]> {
  const out: any[] = [];
  let startIndex = 1;
  for (;;) {
    const res = await request("GET", `/${resource}?startIndex=${startIndex}&count=${pageSize}`);
    if (res.status !== 200) {
      throw new Error(`GET /${resource} startIndex=${startIndex} -> ${res.status}: ${JSON.stringify(res.body)}`);
    }
    const page: any[] = Array.isArray(res.body?.Resources) ? res.body.Resources : [];
    out.push(...page);
    const total = Number(res.body?.totalResults ?? 0);
    if (page.length === 0 || out.length >= total) return out;
    startIndex += page.length;
  }
}

export function toUserView(raw: any): ScimUserView {
  const view: ScimUserView = {
    id: String(raw.id),
    userName: String(raw.userName),
    // RFC 7643 §4.1.1: an absent `active` means the provider did not say; both targets treat it as true.
    active: raw.active !== false,
    raw,
  };
  if (raw.name && typeof raw.name === "object") {
    view.name = {};
    if (typeof raw.name.givenName === "string") view.name.givenName = raw.name.givenName;
    if (typeof raw.name.familyName === "string") view.name.familyName = raw.name.familyName;
  }
  if (Array.isArray(raw.emails)) {
    view.emails = raw.emails
      .filter((e: any) => e && typeof e.value === "string")
      .map((e: any) => ({ value: e.value as string }));
  }
  if (typeof raw.displayName === "string") view.displayName = raw.displayName;
  return view;
}

export function toGroupView(raw: any): ScimGroupView {
  return {
    id: String(raw.id),
    displayName: String(raw.displayName),
    members: Array.isArray(raw.members)
      ? raw.members.filter((m: any) => m && typeof m.value === "string").map((m: any) => m.value as string)
      : [],
    raw,
  };
}
