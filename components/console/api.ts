"use client";
// The console's client for /api/v1: same-origin fetch with the session cookie and, on
// every state change, the CSRF token the server rendered into the page.
import type { TRole } from "@/lib/auth/roles";

/** What a lib type looks like after JSON: dates and bigints become strings. */
export type Json<T> = T extends Date
  ? string
  : T extends bigint
    ? string
    : T extends Array<infer U>
      ? Array<Json<U>>
      : T extends object
        ? { [K in keyof T]: Json<T[K]> }
        : T;

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: { issues?: Array<{ path: string; message: string }> } & Record<string, unknown>,
  ) {
    super(message);
  }
}

let csrfToken = "";
export function setCsrfToken(t: string): void {
  csrfToken = t;
}

export async function api<T>(path: string, init: { method?: string; body?: unknown; query?: Record<string, string | number | undefined | null> } = {}): Promise<T> {
  const method = init.method ?? "GET";
  const url = new URL(`/api/v1${path}`, window.location.origin);
  for (const [k, v] of Object.entries(init.query ?? {})) if (v !== undefined && v !== null && v !== "") url.searchParams.set(k, String(v));
  const res = await fetch(url, {
    method,
    credentials: "same-origin",
    headers: {
      accept: "application/json",
      ...(init.body !== undefined ? { "content-type": "application/json" } : {}),
      ...(method !== "GET" ? { "x-csrf-token": csrfToken } : {}),
    },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!res.ok) {
    const e = (data as { error?: { code?: string; message?: string; details?: ApiError["details"] } } | null)?.error;
    // signed out meanwhile: sign in again and come back here (the login page checks `next`)
    if (res.status === 401 && typeof window !== "undefined") window.location.assign(`/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`);
    throw new ApiError(res.status, e?.code ?? "HTTP_" + res.status, e?.message ?? `request failed (${res.status})`, e?.details);
  }
  return data as T;
}

export type TMe = { kind: "user"; username: string; displayName: string; role: TRole; mustChangePassword: boolean; csrfToken: string };
