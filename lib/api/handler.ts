// The one wrapper every /api/v1 route is built on (as dub builds actions on one safe
// client): who is asking (API token or console session) -> role check -> CSRF check for
// cookie-authenticated state changes -> zod-parsed params, query and body -> the
// route's single lib call -> JSON. Errors become { error: { code, message, details } }
// with the AppError's HTTP status; internal errors are logged, never sent.
import { NextResponse, type NextRequest } from "next/server";
import { z } from "zod";
import { CSRF_HEADER, isSameOrigin, verifyCsrfToken } from "../auth/csrf.ts";
import { readViewer } from "../auth/read-viewer.ts";
import { hasRole, type TRole } from "../auth/roles.ts";
import { actorOf, type TViewer } from "../auth/viewer.ts";
import type { TActor } from "../channels/actor.ts";
import { AppError, formatZodError, toAppError } from "../errors.ts";
import { logger } from "../log.ts";
import { readBodyText } from "./read-body.ts";
import { ZRequestValue } from "./schemas.ts";

export type TRouteContext<P> = {
  viewer: TViewer;
  actor: TActor;
  params: P;
  query: Record<string, unknown>;
  body: unknown;
  request: NextRequest;
};

type TRouteOptions<P, Q, B> = {
  /** the least role that may call this route */
  role: TRole;
  params?: z.ZodType<P>;
  query?: z.ZodType<Q>;
  body?: z.ZodType<B>;
  /** reachable while the user must still change their password (their own account routes) */
  allowPasswordChange?: boolean;
  /** HTTP status on success (default 200) */
  status?: number;
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

function errorResponse(err: AppError, extraCode?: string): NextResponse {
  const body = { error: { code: extraCode ?? err.code, message: err.message, ...(err.details ? { details: err.details } : {}) } };
  return NextResponse.json(body, { status: err.httpStatus, headers: { "cache-control": "no-store" } });
}

/** JSON with bigint ids as strings and dates as ISO strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

function parseWith<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  // every value of a request passes ZRequestValue (no NUL anywhere), then the route's schema
  const r = (schema ? ZRequestValue.pipe(schema) : ZRequestValue).safeParse(value) as z.ZodSafeParseResult<T>;
  if (!r.success) {
    throw new AppError("INVALID_ARGUMENT", formatZodError(r.error, where), {
      issues: r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join("."), message: i.message })),
    });
  }
  return r.data;
}

export function apiRoute<P = Record<string, never>, Q = Record<string, never>, B = undefined>(
  options: TRouteOptions<P, Q, B>,
  handler: (ctx: { viewer: TViewer; actor: TActor; params: P; query: Q; body: B; request: NextRequest }) => Promise<unknown>,
) {
  return async (request: NextRequest, context: { params: Promise<Record<string, string | string[]>> }): Promise<NextResponse> => {
    try {
      const viewer = await readViewer({ authorization: request.headers.get("authorization"), cookies: request.cookies });
      if (!viewer) {
        return errorResponse(new AppError("UNAUTHORIZED", "sign in, or send an API token as Authorization: Bearer fry_…"));
      }
      if (viewer.kind === "user" && !SAFE_METHODS.has(request.method)) {
        if (!isSameOrigin(request.headers) || !verifyCsrfToken(viewer.sessionIdHash, request.headers.get(CSRF_HEADER))) {
          return errorResponse(new AppError("FORBIDDEN", "missing or wrong CSRF token: reload the page and try again"), "CSRF");
        }
      }
      if (viewer.kind === "user" && viewer.mustChangePassword && !options.allowPasswordChange) {
        return errorResponse(new AppError("FORBIDDEN", "change your password first (Account page)"), "PASSWORD_CHANGE_REQUIRED");
      }
      if (!hasRole(viewer.role, options.role)) {
        return errorResponse(new AppError("FORBIDDEN", `this needs the ${options.role} role; you are ${viewer.role}`));
      }
      const params = parseWith(options.params, await context.params, "params");
      const query = parseWith(options.query, Object.fromEntries(request.nextUrl.searchParams), "query");
      let body: B = undefined as B;
      if (options.body) {
        let raw: unknown;
        const text = await readBodyText(request);
        try {
          // no body at all is an empty object: `curl -X POST …/operations/reset-all` works
          raw = text.trim() === "" ? {} : JSON.parse(text);
        } catch {
          throw new AppError("INVALID_ARGUMENT", "the request body must be JSON");
        }
        body = parseWith(options.body, raw, "body");
      }
      const via = viewer.kind === "user" ? "console" : "api";
      const result = await handler({ viewer, actor: actorOf(viewer, via), params, query, body, request });
      // a download (the audit export) answers with its own streamed Response
      if (result instanceof Response) return result as NextResponse;
      return new NextResponse(toJson(result ?? { ok: true }), {
        status: options.status ?? 200,
        headers: { "content-type": "application/json", "cache-control": "no-store" },
      });
    } catch (err) {
      const e = toAppError(err);
      if (e.code === "INTERNAL") {
        logger.error("API request failed", { method: request.method, path: request.nextUrl.pathname, error: e.message });
        return errorResponse(new AppError("INTERNAL", "internal error: see the console's log"));
      }
      return errorResponse(e);
    }
  };
}

/** Route params and query values are strings: ids as positive integers. */
export const ZId = z.coerce.number().int().positive();
