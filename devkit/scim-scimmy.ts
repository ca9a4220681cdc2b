/**
 * A real SCIM 2.0 target for the demo, the benchmark and the tests: SCIMMY 1.3 + scimmy-routers 1.3
 * on Express 4, with an in-memory store. SCIMMY does the protocol work: schema coercion, PatchOp, filter parsing and matching,
 * ListResponse, Bulk, /.search, discovery. This file only supplies storage, indexes, uniqueness and
 * referential integrity.
 *
 * Behaviour Ferry's client will see (verified by test/integration/harness-scim.test.ts):
 *
 * Endpoints (base = http://127.0.0.1:PORT/scim/v2): /Users, /Groups (GET, POST, PUT, PATCH, DELETE),
 * /Users/.search, /Groups/.search, /.search, /Bulk, /Schemas, /ResourceTypes,
 * /ServiceProviderConfig. /Me gives 404, and so do unknown paths, each with a SCIM error body.
 * ServiceProviderConfig: patch, bulk (maxOperations 1000, maxPayloadSize 10 MiB), filter
 * (maxResults 1000) and sort are all supported; changePassword and etag are not. The single
 * authentication scheme is "oauthbearertoken". Body size is capped at maxPayloadSize (413 past it).
 *
 * Auth: `Authorization: Bearer <token>`; anything else gets 401 with a SCIM error body and no
 * WWW-Authenticate header. Discovery endpoints need the token too.
 *
 * Requests: bodies must be `application/scim+json` or `application/json`. With another content
 * type the body is ignored, so the request fails validation with 400.
 * Errors: {schemas:[...Error], status:"400", scimType?, detail}.
 *
 * Users:
 *   - Only userName is required. `schemas` may be omitted. No email is needed.
 *   - userName is unique ignoring case (409 scimType "uniqueness"), as RFC 7643 says for a
 *     caseExact=false, uniqueness=server attribute.
 *   - externalId is not unique: RFC 7643 gives it uniqueness "none".
 *   - Attributes the schema does not define, and undeclared extension blocks, are dropped without
 *     an error. The Enterprise User extension is declared and kept when `schemas` lists it, and
 *     so is a custom one, CUSTOM_USER_EXTENSION below (an integer `badge`, a multi-valued
 *     string `aliases`), as an application's own extension would be.
 *     `password` is accepted and never returned.
 *   - `active` is kept as sent (false stays false). It must be a real boolean:
 *     "false" as a string gets 400 invalidValue, on POST and in PATCH.
 *   - `groups` on a User is read-only and derived: the groups that list the user as a direct member.
 *
 * Groups:
 *   - displayName is required and not unique (uniqueness "none" per RFC 7643). Two POSTs with
 *     the same name give two groups, so a client that retries a create makes a duplicate.
 *   - members[].value must be the id of an existing User or Group. Otherwise 400 invalidValue.
 *     Duplicate values are merged. Returned members carry value, display, type ("User"/"Group")
 *     and $ref (relative). No cap on member count.
 *   - Deleting a User removes it from every group. Deleting a Group removes it from parent groups.
 *
 * PATCH: SCIMMY's PatchOp. The body must list exactly the PatchOp schema and have at least one
 *   operation; `op` is case-insensitive.
 *   add/replace/remove with attribute paths (name.givenName, active, displayName, emails[type eq
 *   "work"].value, members, members[value eq "id"]), pathless add/replace with an object value,
 *   remove members with a value array ([{value:id}]), and replace members (replaces the list).
 *   A value-path filter that matches nothing gets 400 noTarget for replace.
 *   Filters inside paths compare case-sensitively. The PATCH is applied to a full read of the
 *   resource and then written back as a whole replacement. That happens without an I/O gap, so
 *   parallel PATCHes to one group lose nothing. If nothing changed the answer is
 *   **204 with no body**; otherwise 200 with the resource.
 *
 * Filters: SCIMMY's filter grammar (eq ne co sw ew gt lt ge le pr np, and/or/not, value paths
 * such as emails[type eq "work"], sub-attributes such as name.givenName and members.value).
 * Attribute names are case-insensitive. **Values compare case-sensitively for every attribute**,
 * userName included: `userName eq "ALICE"` does not find "alice", yet creating "ALICE" while
 * "alice" exists gets 409. More quirks:
 *   - A malformed filter such as `userName eq` gives 200 and no results instead of 400 invalidFilter.
 *   - Nested parentheses can fail to parse (400 invalidFilter).
 *   - SCIMMY's matcher throws when a resource lacks the parent of a filtered sub-attribute, which
 *     turned such filters into 400s; matchEach() below treats those resources as non-matches.
 * Simple `userName eq`, `externalId eq` and `displayName eq` filters use an index; anything else scans.
 *
 * Pagination: startIndex is 1-based; count defaults to 20 and is capped at 1000. totalResults
 * counts every match. **itemsPerPage echoes the requested count, not the page length**, so page
 * by Resources.length. Without sortBy the order is insertion order. sortBy/sortOrder work, but
 * they sort every match in memory.
 * meta.location, $ref and Bulk `location` are relative paths ("/scim/v2/Users/<id>"), so build
 * URLs from baseUrl + id, not from meta.location.
 *
 * Bulk: POST /Bulk with a BulkRequest. POST operations need a bulkId (400 without one).
 * bulkId references ("bulkId:u1") are resolved, failOnErrors is honoured, and operations run one
 * after another. A successful operation's result has method, bulkId, location and status (a
 * string, e.g. "201") but no `response` body, so take the new id from `location`.
 *
 * Cost: create, get-by-id, userName/externalId/displayName lookups and user deletes are O(1)
 * (user delete also touches that user's groups). Listing a page costs O(startIndex + count),
 * plus one scan when there is a filter other than those above. Group PATCHes rewrite the whole
 * member list (SCIMMY's design), so they cost O(members). SCIMMY's schema coercion dominates the
 * CPU cost: about 1,100 creates/s on one core (100k users in about 90 s, with the client in the
 * same process), 1-2 ms per lookup, and about 0.3 ms per listed resource.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes, randomUUID } from "node:crypto";
import express from "express";
import SCIMMY from "scimmy";
import SCIMMYRouters from "scimmy-routers";
import { type ScimService, listAll, scimFetch, toGroupView, toUserView } from "./scim-service.ts";

const MOUNT = "/scim/v2";
const MAX_RESULTS = 1000;
const DEFAULT_COUNT = 20;
const BULK_MAX_OPERATIONS = 1000;
const BULK_MAX_PAYLOAD = 10 * 1024 * 1024;

type Json = Record<string, any>;

interface Member {
  value: string;
  type: "User" | "Group";
}

interface Store {
  users: Map<string, Json>;
  /** lower-cased userName -> id */
  userNames: Map<string, string>;
  userExternalIds: Map<string, Set<string>>;
  groups: Map<string, Json>;
  groupNames: Map<string, Set<string>>;
  groupExternalIds: Map<string, Set<string>>;
  /** member id (user or group) -> ids of groups listing it directly */
  memberOf: Map<string, Set<string>>;
}

interface Ctx {
  store: Store;
}

function newStore(): Store {
  return {
    users: new Map(),
    userNames: new Map(),
    userExternalIds: new Map(),
    groups: new Map(),
    groupNames: new Map(),
    groupExternalIds: new Map(),
    memberOf: new Map(),
  };
}

function addToIndex(index: Map<string, Set<string>>, key: unknown, id: string): void {
  if (typeof key !== "string") return;
  let set = index.get(key);
  if (!set) index.set(key, (set = new Set()));
  set.add(id);
}

function removeFromIndex(index: Map<string, Set<string>>, key: unknown, id: string): void {
  if (typeof key !== "string") return;
  const set = index.get(key);
  if (!set) return;
  set.delete(id);
  if (set.size === 0) index.delete(key);
}

function storeOf(ctx: unknown): Store {
  const store = (ctx as Partial<Ctx> | undefined)?.store;
  // Handlers are process-global in SCIMMY; a call without our context means a router we did not build.
  if (!store) throw new SCIMMY.Types.Error(500, null as unknown as string, "SCIM harness: request without a store");
  return store;
}

function scimError(status: number, scimType: string | null, message: string): Error {
  return new SCIMMY.Types.Error(status, scimType as string, message);
}

/** SCIMMY hands ingress a Schema instance with getters/extension objects; store plain JSON. */
function plain(instance: unknown): Json {
  const data = JSON.parse(JSON.stringify(instance)) as Json;
  delete data.id;
  delete data.meta;
  delete data.groups;
  return data;
}

function metaFor(previous: Json | undefined): Json {
  const now = new Date().toISOString();
  return { created: previous?.meta?.created ?? now, lastModified: now };
}

// ---------------------------------------------------------------------------------------------
// Listing

type Constraints = { startIndex?: number; count?: number; sortBy?: string; sortOrder?: string; totalResults?: number };

/**
 * Simple `attr eq "value"` filters on indexed attributes resolve through the index; SCIMMY's own
 * matcher still makes the final decision so semantics are identical to a scan.
 */
function indexedCandidates(
  filter: SCIMMY.Types.Filter,
  indexes: Record<string, (value: string) => Iterable<string>>,
): string[] | undefined {
  if (filter.length !== 1) return undefined;
  const only = filter[0] as Record<string, unknown> | undefined;
  if (!only) return undefined;
  const entries = Object.entries(only);
  for (const [attr, expr] of entries) {
    const lookup = indexes[attr.toLowerCase()];
    if (!lookup || !Array.isArray(expr) || expr.length !== 2) continue;
    const [op, value] = expr as [unknown, unknown];
    if (typeof op !== "string" || op.toLowerCase() !== "eq" || typeof value !== "string") continue;
    return [...lookup(value)];
  }
  return undefined;
}

/**
 * Returns what egress should hand SCIMMY for a list request, and records totalResults on the
 * resource (SCIMMY passes resource.constraints to ListResponse after egress returns).
 *
 * SCIMMY's ListResponse re-slices at startIndex-1 unless totalResults == length + startIndex - 1,
 * which is meant for handlers that return everything. Returning everything is O(n) per page, so
 * we return the page itself when SCIMMY will leave it alone, and otherwise a prefix from index 0
 * that SCIMMY slices into the right page. That case only arises when startIndex <= count,
 * so the prefix stays small.
 */
function paginate(resource: SCIMMY.Types.Resource, matches: Json[]): Json[] {
  const c: Constraints = { ...(resource.constraints ?? {}) };
  const total = matches.length;
  if (typeof c.sortBy === "string") {
    // Sorting has to see every match; SCIMMY sorts and paginates the full list itself.
    resource.constraints = { ...c, count: Math.min(c.count ?? DEFAULT_COUNT, MAX_RESULTS) } as typeof resource.constraints;
    return matches;
  }
  const start = Math.max(c.startIndex ?? 1, 1);
  const count = Math.min(Math.max(c.count ?? DEFAULT_COUNT, 0), MAX_RESULTS);
  resource.constraints = { ...c, startIndex: start, count, totalResults: total } as typeof resource.constraints;
  if (count === 0) return [];
  const page = matches.slice(start - 1, start - 1 + count);
  if (start === 1 || page.length < start || total === page.length + start - 1) return page;
  for (const extra of [0, 1]) {
    const prefix = Math.min(total, start - 1 + count + extra);
    if (total !== prefix + start - 1) return matches.slice(0, prefix);
  }
  return page;
}

/**
 * Filter.match over the whole list throws a TypeError as soon as one resource lacks the parent of a
 * sub-attribute in the filter (`name.givenName eq "x"` with a user that has no name). That would
 * make such filters fail with 400 on any realistic data set, so each resource is matched alone
 * and a throw counts as "no match".
 */
function matchEach(filter: SCIMMY.Types.Filter, values: Json[]): Json[] {
  return values.filter((v) => {
    try {
      return filter.match([v]).length > 0;
    } catch {
      return false;
    }
  });
}

function listSource<T>(map: Map<string, T>, ids: string[] | undefined): T[] {
  if (!ids) return [...map.values()];
  const out: T[] = [];
  for (const id of ids) {
    const v = map.get(id);
    if (v !== undefined) out.push(v);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Users

function userView(store: Store, user: Json): Json {
  const parents = store.memberOf.get(user.id as string);
  if (!parents || parents.size === 0) return user;
  const groups: Json[] = [];
  for (const gid of parents) {
    const g = store.groups.get(gid);
    if (g) groups.push({ value: gid, display: g.displayName, type: "direct", $ref: `${MOUNT}/Groups/${gid}` });
  }
  return { ...user, groups };
}

function userIngress(resource: SCIMMY.Types.Resource, instance: unknown, ctx: unknown): Json {
  const store = storeOf(ctx);
  const data = plain(instance);
  const userName = data.userName;
  if (typeof userName !== "string" || userName.trim() === "") {
    throw scimError(400, "invalidValue", "Required attribute 'userName' is missing");
  }
  const previous = resource.id ? store.users.get(resource.id) : undefined;
  if (resource.id && !previous) throw scimError(404, null, `Resource ${resource.id} not found`);
  const id = resource.id ?? randomUUID();

  const key = userName.toLowerCase();
  const holder = store.userNames.get(key);
  if (holder !== undefined && holder !== id) {
    throw scimError(409, "uniqueness", `userName '${userName}' is already in use`);
  }

  if (previous) {
    store.userNames.delete(String(previous.userName).toLowerCase());
    removeFromIndex(store.userExternalIds, previous.externalId, id);
  }
  const user: Json = { ...data, id, meta: metaFor(previous) };
  store.users.set(id, user);
  store.userNames.set(key, id);
  addToIndex(store.userExternalIds, user.externalId, id);
  return userView(store, user);
}

function userEgress(resource: SCIMMY.Types.Resource, ctx: unknown): Json | Json[] {
  const store = storeOf(ctx);
  if (resource.id) {
    const user = store.users.get(resource.id);
    if (!user) throw scimError(404, null, `Resource ${resource.id} not found`);
    return userView(store, user);
  }
  let matches: Json[];
  if (resource.filter) {
    const ids = indexedCandidates(resource.filter, {
      username: (v) => {
        const id = store.userNames.get(v.toLowerCase());
        return id === undefined ? [] : [id];
      },
      externalid: (v) => store.userExternalIds.get(v) ?? [],
    });
    const filterOnGroups = /\bgroups\b/i.test(resource.filter.expression);
    const source = listSource(store.users, ids);
    matches = matchEach(resource.filter, filterOnGroups ? source.map((u) => userView(store, u)) : source);
  } else {
    matches = [...store.users.values()];
  }
  return paginate(resource, matches).map((u) => userView(store, u));
}

function removeMemberEverywhere(store: Store, memberId: string): void {
  const parents = store.memberOf.get(memberId);
  if (!parents) return;
  const now = new Date().toISOString();
  for (const gid of parents) {
    const g = store.groups.get(gid);
    if (!g) continue;
    store.groups.set(gid, {
      ...g,
      members: (g.members as Member[]).filter((m) => m.value !== memberId),
      meta: { ...g.meta, lastModified: now },
    });
  }
  store.memberOf.delete(memberId);
}

function userDegress(resource: SCIMMY.Types.Resource, ctx: unknown): void {
  const store = storeOf(ctx);
  const id = resource.id;
  const user = id ? store.users.get(id) : undefined;
  if (!id || !user) throw scimError(404, null, `Resource ${id} not found`);
  store.users.delete(id);
  store.userNames.delete(String(user.userName).toLowerCase());
  removeFromIndex(store.userExternalIds, user.externalId, id);
  removeMemberEverywhere(store, id);
}

// ---------------------------------------------------------------------------------------------
// Groups

function groupView(store: Store, group: Json): Json {
  const members = (group.members as Member[]).map((m) => {
    const target = m.type === "User" ? store.users.get(m.value) : store.groups.get(m.value);
    const display = m.type === "User" ? (target?.displayName ?? target?.userName) : target?.displayName;
    return {
      value: m.value,
      type: m.type,
      $ref: `${MOUNT}/${m.type === "User" ? "Users" : "Groups"}/${m.value}`,
      ...(typeof display === "string" ? { display } : {}),
    };
  });
  return { ...group, members };
}

function normalizeMembers(store: Store, groupId: string, raw: unknown): Member[] {
  if (raw === undefined || raw === null) return [];
  if (!Array.isArray(raw)) throw scimError(400, "invalidValue", "members must be a multi-valued attribute");
  const seen = new Set<string>();
  const out: Member[] = [];
  for (const m of raw) {
    const value = (m as Json | null)?.value;
    if (typeof value !== "string" || value === "") throw scimError(400, "invalidValue", "Group members need a value");
    if (seen.has(value)) continue;
    seen.add(value);
    if (store.users.has(value)) out.push({ value, type: "User" });
    else if (store.groups.has(value) && value !== groupId) out.push({ value, type: "Group" });
    else throw scimError(400, "invalidValue", `Group member '${value}' is not an existing User or Group`);
  }
  return out;
}

function groupIngress(resource: SCIMMY.Types.Resource, instance: unknown, ctx: unknown): Json {
  const store = storeOf(ctx);
  const data = plain(instance);
  if (typeof data.displayName !== "string" || data.displayName.trim() === "") {
    throw scimError(400, "invalidValue", "Required attribute 'displayName' is missing");
  }
  const previous = resource.id ? store.groups.get(resource.id) : undefined;
  if (resource.id && !previous) throw scimError(404, null, `Resource ${resource.id} not found`);
  const id = resource.id ?? randomUUID();
  const members = normalizeMembers(store, id, data.members);

  if (previous) {
    removeFromIndex(store.groupNames, String(previous.displayName).toLowerCase(), id);
    removeFromIndex(store.groupExternalIds, previous.externalId, id);
    for (const m of previous.members as Member[]) removeFromIndex(store.memberOf, m.value, id);
  }
  const group: Json = { ...data, id, members, meta: metaFor(previous) };
  store.groups.set(id, group);
  addToIndex(store.groupNames, String(group.displayName).toLowerCase(), id);
  addToIndex(store.groupExternalIds, group.externalId, id);
  for (const m of members) addToIndex(store.memberOf, m.value, id);
  return groupView(store, group);
}

function groupEgress(resource: SCIMMY.Types.Resource, ctx: unknown): Json | Json[] {
  const store = storeOf(ctx);
  if (resource.id) {
    const group = store.groups.get(resource.id);
    if (!group) throw scimError(404, null, `Resource ${resource.id} not found`);
    return groupView(store, group);
  }
  let matches: Json[];
  if (resource.filter) {
    const ids = indexedCandidates(resource.filter, {
      displayname: (v) => store.groupNames.get(v.toLowerCase()) ?? [],
      externalid: (v) => store.groupExternalIds.get(v) ?? [],
    });
    // Members are matched on their public shape (value/type/display), so match on views.
    matches = matchEach(resource.filter, listSource(store.groups, ids).map((g) => groupView(store, g)));
    return paginate(resource, matches);
  }
  matches = [...store.groups.values()];
  return paginate(resource, matches).map((g) => groupView(store, g));
}

function groupDegress(resource: SCIMMY.Types.Resource, ctx: unknown): void {
  const store = storeOf(ctx);
  const id = resource.id;
  const group = id ? store.groups.get(id) : undefined;
  if (!id || !group) throw scimError(404, null, `Resource ${id} not found`);
  store.groups.delete(id);
  removeFromIndex(store.groupNames, String(group.displayName).toLowerCase(), id);
  removeFromIndex(store.groupExternalIds, group.externalId, id);
  for (const m of group.members as Member[]) removeFromIndex(store.memberOf, m.value, id);
  removeMemberEverywhere(store, id);
}

// ---------------------------------------------------------------------------------------------
// SCIMMY's resource registry and config are process-global; declare once and route every
// instance's calls to its own store through the request context.

/** A custom User extension, as an application declares its own attributes (listed by /Schemas). */
export const CUSTOM_USER_EXTENSION = "urn:ietf:params:scim:schemas:extension:ferry-devkit:2.0:User";

let declared = false;
function declareResources(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User, {
    ingress: userIngress,
    egress: userEgress,
    degress: userDegress,
    extensions: [
      { schema: SCIMMY.Schemas.EnterpriseUser, required: false },
      {
        schema: new SCIMMY.Types.SchemaDefinition("DevkitUser", CUSTOM_USER_EXTENSION, "An application's own user attributes", [
          new SCIMMY.Types.Attribute("integer", "badge"),
          new SCIMMY.Types.Attribute("string", "aliases", { multiValued: true }),
        ]),
        required: false,
      },
    ],
  });
  SCIMMY.Resources.declare(SCIMMY.Resources.Group, {
    ingress: groupIngress,
    egress: groupEgress,
    degress: groupDegress,
  });
}

function listen(server: http.Server, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/**
 * Besides the static bearer token, the service can accept HTTP basic credentials, and
 * tokens it issues itself at `${origin}/oauth/token` to an OAuth 2.0 client-credentials
 * client (RFC 6749 §4.4; client authenticated with HTTP basic, tokens expire).
 */
export type TScimmyAuthOptions = {
  basic?: { username: string; password: string };
  oauth?: { clientId: string; clientSecret: string; expiresInSec?: number };
};

export async function startScimmy(opts: { port?: number; token?: string; auth?: TScimmyAuthOptions } = {}): Promise<ScimService & { origin: string; oauthTokensIssued: () => number }> {
  declareResources();
  const token = opts.token ?? `ferry-scimmy-${randomBytes(18).toString("hex")}`;
  const issued = new Map<string, number>(); // oauth token -> expiry (ms)
  let tokensIssued = 0;
  const basicHeader = opts.auth?.basic
    ? `Basic ${Buffer.from(`${opts.auth.basic.username}:${opts.auth.basic.password}`).toString("base64")}`
    : undefined;
  const store = newStore();
  let requests = 0;

  // Each SCIMMYRouters constructor appends its auth scheme to the global config; reset first so
  // ServiceProviderConfig lists one scheme however many instances this process has started.
  SCIMMY.Config.set("authenticationSchemes", []);
  SCIMMY.Config.set({
    patch: true,
    sort: true,
    filter: { supported: true, maxResults: MAX_RESULTS },
    bulk: { supported: true, maxOperations: BULK_MAX_OPERATIONS, maxPayloadSize: BULK_MAX_PAYLOAD },
    changePassword: false,
    etag: false,
  });

  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.use((_req, _res, next) => {
    requests += 1;
    next();
  });
  const ctx: Ctx = { store };
  if (opts.auth?.oauth) {
    const client = opts.auth.oauth;
    app.post("/oauth/token", express.urlencoded({ extended: false }), (req, res) => {
      const [user, pass] = Buffer.from((req.header("authorization") ?? "").replace(/^Basic\s+/i, ""), "base64").toString().split(":");
      if (decodeURIComponent(user ?? "") !== client.clientId || decodeURIComponent(pass ?? "") !== client.clientSecret) {
        res.status(401).json({ error: "invalid_client" });
        return;
      }
      if ((req.body as Record<string, string>).grant_type !== "client_credentials") {
        res.status(400).json({ error: "unsupported_grant_type" });
        return;
      }
      const t = `oauth-${randomBytes(16).toString("hex")}`;
      const expiresIn = client.expiresInSec ?? 3600;
      issued.set(t, Date.now() + expiresIn * 1000);
      tokensIssued++;
      res.json({ access_token: t, token_type: "Bearer", expires_in: expiresIn });
    });
  }
  app.use(
    MOUNT,
    new SCIMMYRouters({
      type: "bearer",
      handler: (req) => {
        const header = req.header("authorization") ?? "";
        if (basicHeader && header === basicHeader) return "ferry";
        const m = /^Bearer\s+(.+)$/i.exec(header);
        const bearer = m?.[1];
        if (bearer && (issued.get(bearer) ?? 0) > Date.now()) return "ferry";
        if (!bearer || bearer !== token) throw new Error("Invalid or missing bearer token");
        return "ferry";
      },
      context: () => ctx,
    }) as unknown as express.Router,
  );
  app.use((_req, res) => {
    res.status(404).type("application/scim+json").send({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: "404",
      detail: "Endpoint Not Found",
    });
  });
  // scimmy-routers passes 5xx errors on after answering; keep them out of the test output.
  app.use((err: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (process.env.FERRY_SCIM_DEBUG === "1") console.error("scimmy harness:", err);
    if (!res.headersSent) res.status(500).send({ detail: String(err) });
  });

  const server = http.createServer(app);
  server.keepAliveTimeout = 5_000;
  const port = await listen(server, opts.port ?? 0);
  const baseUrl = `http://127.0.0.1:${port}${MOUNT}`;
  const request: ScimService["request"] = (method, path, body) => scimFetch(baseUrl, token, method, path, body);
  let stopped = false;

  return {
    kind: "scimmy",
    baseUrl,
    origin: new URL(baseUrl).origin,
    oauthTokensIssued: () => tokensIssued,
    token,
    request,
    requestCount: () => requests,
    listUsers: async () => (await listAll(request, "Users", MAX_RESULTS)).map(toUserView),
    listGroups: async () => (await listAll(request, "Groups", MAX_RESULTS)).map(toGroupView),
    stop: async () => {
      if (stopped) return;
      stopped = true;
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
