// Calls a Next.js route handler as Next.js does (a NextRequest and a params promise), for
// integration tests of the API against the real database.
import { NextRequest } from "next/server";

export type THandler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export const TEST_ORIGIN = "http://console.test";

export type TCallOptions = {
  method?: string;
  path?: string;
  params?: Record<string, string>;
  /** JSON-encoded unless it is a string, a Uint8Array or a stream */
  body?: unknown;
  token?: string;
  cookie?: string;
  headers?: Record<string, string>;
};

export async function callRoute(handler: THandler, opts: TCallOptions = {}): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = { host: "console.test", ...(opts.headers ?? {}) };
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (opts.cookie) headers.cookie = opts.cookie;
  let body: BodyInit | undefined;
  if (opts.body !== undefined) {
    headers["content-type"] ??= "application/json";
    body = typeof opts.body === "string" || opts.body instanceof Uint8Array || opts.body instanceof ReadableStream ? (opts.body as BodyInit) : JSON.stringify(opts.body);
  }
  const req = new NextRequest(`${TEST_ORIGIN}${opts.path ?? "/api/v1/x"}`, {
    method: opts.method ?? (body === undefined ? "GET" : "POST"),
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as ConstructorParameters<typeof NextRequest>[1]);
  const res = await handler(req, { params: Promise.resolve(opts.params ?? {}) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, body: parsed, headers: res.headers };
}
