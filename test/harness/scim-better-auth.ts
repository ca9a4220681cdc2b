/**
 * A real Better Auth server (better-auth + @better-auth/scim 1.7.5) on 127.0.0.1, backed by a
 * throw-away PostgreSQL database, as a SCIM 2.0 target for Ferry's tests (the demo and the benchmark use
 * devkit/scim-scimmy.ts).
 *
 * What this target does (read from @better-auth/scim 1.7.5 dist and verified by
 * test/integration/harness-scim.test.ts). Ferry's client must cope with every point below.
 *
 * Endpoints (base = http://127.0.0.1:PORT/api/auth/scim/v2):
 *   /Users, /Users/:id, /Groups, /Groups/:id: GET, POST, PUT, PATCH, DELETE.
 *   /ServiceProviderConfig, /Schemas, /Schemas/:id, /ResourceTypes, /ResourceTypes/:id.
 *   No /Bulk, no /.search, no /Me: these answer 404 with an *empty* body, not a SCIM error. No ETags.
 *   ServiceProviderConfig: patch true; bulk false (maxOperations 0, maxPayloadSize 0);
 *   filter true with maxResults 100; changePassword, sort, etag false; one scheme "oauthbearertoken".
 *
 * Auth: `Authorization: Bearer <token>`; a missing or bad token gets 401 with a SCIM error body and
 * `WWW-Authenticate: Bearer realm="SCIM"`. Each connection's resources are isolated.
 *
 * Requests: POST/PUT/PATCH must send Content-Type application/scim+json or application/json, or
 * they get 415. A body that is not JSON gets 400 invalidSyntax. Responses are
 * application/scim+json. Errors are SCIM error bodies
 * ({schemas:[...Error], status:"409", scimType?, detail}); the status is a string, as RFC 7644 §3.12 says.
 * Create returns 201 with Location; DELETE returns 204 (404 when it is already gone).
 *
 * Users:
 *   - `schemas` is required on POST/PUT (400 without it) and may only list the core User schema
 *     and the Enterprise extension. Attributes it does not know (nickName, profileUrl...) are
 *     dropped without an error on POST/PUT; as a PATCH path they get 400 invalidPath.
 *   - userName: required, 1..512 chars, unique per connection with case folded
 *     (`Alice` then `alice` gives 409 scimType "uniqueness").
 *   - Every user needs an email. If userName is not an email address, `emails` must hold one
 *     (otherwise 400 invalidValue). With no emails, userName becomes the only email (primary).
 *     Email values are lower-cased when stored and returned.
 *   - Each SCIM user gets a row in Better Auth's global `user` table, whose email is unique.
 *     A second SCIM user with the same primary email gets 409 "A Better Auth User already
 *     uses this email" (scimType uniqueness), even with a different userName. The same goes
 *     for a PATCH/PUT that changes the primary email to one already in use.
 *   - Deleting a SCIM user keeps the Better Auth `user` row. Re-creating someone with the same
 *     primary email then gets 409, unless the deleted user had an externalId and the new one
 *     sends the same externalId: a tombstone then relinks to the old account. So clients that
 *     delete and re-create must send externalId, or expect the 409.
 *   - externalId is unique per connection (409).
 *   - `active` is kept: false is stored and returned, and PATCH replace active works (also with
 *     "False"/"True" strings). PATCH remove active sets it back to true. No other side effects.
 *   - displayName defaults to name.formatted, then "givenName familyName", then the primary email.
 *     name.formatted is always returned, derived the same way. Both are fixed at creation:
 *     PATCHing name.givenName later does not update them, unless they are sent too.
 *   - Supported attributes: name.*, displayName, emails (max 20, one primary, one value per
 *     type), title, userType, preferredLanguage, locale, timezone, phoneNumbers, addresses,
 *     roles, entitlements (max 10 each), externalId, active, and the Enterprise extension
 *     (employeeNumber, costCenter, organization, division, department, manager).
 *   - `groups` is not returned on users. Group membership is only visible on the Group.
 *
 * PATCH (both resources): body must be exactly {schemas:[PatchOp], Operations:[...]}. `op` is
 * case-insensitive ("Replace" works). The core schema URN prefix on paths is accepted.
 * Operations: [] is accepted and changes nothing.
 *   Users: paths userName, externalId, active, displayName, name, name.<sub>, emails (add/replace),
 *   emails.value, emails[type eq "work"].value, emails[primary eq true].value, title etc.,
 *   enterprise attributes (with URN prefix), valuePath filters on type/primary only.
 *   Pathless replace/add with an object value works: {op:"replace", value:{active:false}}.
 *   `remove` of emails is rejected (400). A PATCH that changes nothing returns 200 with the resource.
 *   Groups: paths displayName, externalId, members; `members[value eq "id"]` only with remove.
 *   add members / remove members with a value array / remove members[value eq "id"] are applied
 *   in place. replace members and pathless {members:[...]} replace the whole list.
 *   `remove` path members with no value clears the group.
 *   **Concurrent writes to the same Group conflict**: parallel PATCHes to one group commonly
 *   get 409 "The SCIM Group changed concurrently; retry the request" (no scimType). A client must
 *   serialise writes per group or retry these.
 *
 * Groups:
 *   - schemas must be exactly [core Group]. displayName is required, trimmed, unique per
 *     connection with case folded (409 uniqueness). externalId is unique (409).
 *   - members: only Users of the same connection (type absent or "User"); nested groups and
 *     unknown ids get 400 invalidValue. At most 1000 direct members; more gets 400.
 *     Duplicates are merged. Returned members have value, $ref, display (user's displayName), type "User".
 *   - Deleting a user removes it from its groups.
 *
 * Filters (GET ?filter=): only `eq`, only on these attributes, only joined by `and` (up to 10):
 *   Users: id, externalId, userName, emails.value, emails[type eq "work"].value.
 *   Groups: id, externalId, displayName.
 *   Attribute names are case-insensitive. Values for userName, displayName and emails match
 *   case-insensitively; values for id and externalId match exactly. Anything else (ne, co,
 *   sw, pr, parentheses, active, name.*) gets 400 scimType invalidFilter. `or` is rejected too,
 *   but with the misleading detail "filter equality value must be a valid quoted JSON string".
 *
 * Pagination: startIndex (1-based; below 1 is treated as 1) and count. The default and the maximum
 * are both 100; a larger count is silently cut to 100. count=0 returns only totalResults.
 * Ordered by creation time, and stable. Paging is offset-based, so deleting while paging skips
 * entries. Responses carry totalResults, startIndex and itemsPerPage (the real page length).
 * `attributes`/`excludedAttributes` are supported. sortBy is ignored.
 *
 * Speed (2 cores, Postgres on the same host): about 50 creates/s one at a time and about 100/s
 * with 8-20 in flight; a userName filter takes about 5 ms. Use SCIMMY for 100k-user runs.
 */
import http from "node:http";
import type { AddressInfo } from "node:net";
import { randomBytes } from "node:crypto";
import pg from "pg";
import { betterAuth } from "better-auth";
import { toNodeHandler } from "better-auth/node";
import { getMigrations } from "better-auth/db/migration";
import { scim } from "@better-auth/scim";
import {
  type ScimService,
  listAll,
  scimFetch,
  toGroupView,
  toUserView,
} from "../../devkit/scim-service.ts";

const ADMIN_URL = process.env.FERRY_TEST_PG_ADMIN_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const DB_PREFIX = "ferry_scim_";

function databaseUrl(dbName: string): string {
  const url = new URL(ADMIN_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}

/**
 * Databases are named ferry_scim_<pid>_<random> so that a run killed before stop() can be cleaned
 * up by the next one: anything whose creator pid is gone is dropped on start.
 */
async function sweepStaleDatabases(admin: pg.Client): Promise<void> {
  const { rows } = await admin.query<{ datname: string }>(
    "SELECT datname FROM pg_database WHERE datname LIKE $1",
    [`${DB_PREFIX}%`],
  );
  for (const { datname } of rows) {
    const m = /^ferry_scim_(\d+)_[0-9a-f]+$/.exec(datname);
    if (!m?.[1]) continue;
    const pid = Number(m[1]);
    if (pid === process.pid || pidAlive(pid)) continue;
    await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`).catch(() => {});
  }
}

async function withAdmin<T>(fn: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: ADMIN_URL });
  await admin.connect();
  try {
    return await fn(admin);
  } finally {
    await admin.end();
  }
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

export async function startBetterAuthScim(opts: { port?: number } = {}): Promise<ScimService> {
  const dbName = `${DB_PREFIX}${process.pid}_${randomBytes(6).toString("hex")}`;
  await withAdmin(async (admin) => {
    await sweepStaleDatabases(admin);
    await admin.query(`CREATE DATABASE "${dbName}"`);
  });

  let pool: pg.Pool | undefined;
  const server = http.createServer();
  let requests = 0;
  let stopped = false;

  const dropDatabase = () =>
    withAdmin((admin) => admin.query(`DROP DATABASE IF EXISTS "${dbName}" WITH (FORCE)`)).then(() => undefined);

  try {
    // Listen before building auth so baseURL (used in meta.location) carries the real port.
    const port = await listen(server, opts.port ?? 0);
    const origin = `http://127.0.0.1:${port}`;
    const token = `ferry-ba-${randomBytes(18).toString("hex")}`;

    pool = new pg.Pool({ connectionString: databaseUrl(dbName), max: 10 });
    // pool.end() resolves before idle sockets are really closed, so DROP ... WITH (FORCE) can
    // still kill one of them; without a listener that error would crash the test process.
    pool.on("error", () => {});
    const options = {
      appName: "ferry-scim-target",
      baseURL: origin,
      basePath: "/api/auth",
      secret: randomBytes(32).toString("hex"),
      database: pool,
      telemetry: { enabled: false },
      // The benchmark pushes thousands of requests a second from one address.
      rateLimit: { enabled: false },
      logger: { disabled: process.env.FERRY_SCIM_DEBUG !== "1" },
      plugins: [
        scim({
          connections: [
            {
              id: "ferry",
              credentials: [{ type: "bearer", id: "ferry-static", token }],
            },
          ],
        }),
      ],
    };
    const { runMigrations } = await getMigrations(options);
    await runMigrations();
    const auth = betterAuth(options);
    const handler = toNodeHandler(auth);

    server.on("request", (req, res) => {
      requests += 1;
      handler(req, res).catch((err: unknown) => {
        if (!res.headersSent) {
          res.statusCode = 500;
          res.end(String(err));
        } else {
          res.destroy();
        }
      });
    });

    const baseUrl = `${origin}/api/auth/scim/v2`;
    const request: ScimService["request"] = (method, path, body) => scimFetch(baseUrl, token, method, path, body);

    return {
      kind: "better-auth",
      baseUrl,
      token,
      request,
      requestCount: () => requests,
      // The plugin caps count at 100, whatever we ask for.
      listUsers: async () => (await listAll(request, "Users", 100)).map(toUserView),
      listGroups: async () => (await listAll(request, "Groups", 100)).map(toGroupView),
      stop: async () => {
        if (stopped) return;
        stopped = true;
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        });
        await pool?.end();
        await dropDatabase();
      },
    };
  } catch (err) {
    server.closeAllConnections();
    server.close();
    await pool?.end().catch(() => {});
    await dropDatabase().catch(() => {});
    throw err;
  }
}
