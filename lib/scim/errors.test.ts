import { describe, expect, it } from "vitest";
import { toAppError } from "../errors.ts";
import { classifyStatus, isRecordFault, parseRetryAfter, ScimError } from "./errors.ts";

describe("classifyStatus", () => {
  it("classifies", () => {
    expect(classifyStatus(429)).toBe("rate-limited");
    expect(classifyStatus(503)).toBe("transient");
    expect(classifyStatus(500)).toBe("transient");
    expect(classifyStatus(404)).toBe("not-found");
    expect(classifyStatus(409)).toBe("conflict");
    expect(classifyStatus(400)).toBe("fatal");
    expect(classifyStatus(401)).toBe("fatal");
  });
  it("retries only transient and rate-limited", () => {
    expect(new ScimError("transient", "x").retryable).toBe(true);
    expect(new ScimError("rate-limited", "x").retryable).toBe(true);
    expect(new ScimError("conflict", "x").retryable).toBe(false);
    // a write that may have been applied is resolved by looking, never by sending it again
    expect(new ScimError("uncertain", "x", { status: 201 }).retryable).toBe(false);
  });
});

describe("isRecordFault", () => {
  it("is the record's own refusal, not the target's credentials or an outage", () => {
    expect(isRecordFault(new ScimError("fatal", "x", { status: 400 }))).toBe(true);
    expect(isRecordFault(new ScimError("conflict", "x", { status: 409 }))).toBe(true);
    expect(isRecordFault(new Error("mapping: no value for userName"))).toBe(true);
    expect(isRecordFault(new ScimError("fatal", "x", { status: 401 }))).toBe(false);
    expect(isRecordFault(new ScimError("fatal", "x", { status: 403 }))).toBe(false);
    expect(isRecordFault(new ScimError("transient", "x", { status: 503 }))).toBe(false);
    expect(isRecordFault(new ScimError("transient", "connection refused"))).toBe(false);
    expect(isRecordFault(new ScimError("rate-limited", "x", { status: 429 }))).toBe(false);
    expect(isRecordFault(new ScimError("uncertain", "x", { status: 201 }))).toBe(false);
    // a 3xx or an HTML page: the URL is wrong for every record
    expect(isRecordFault(new ScimError("fatal", "x", { status: 308 }))).toBe(false);
  });
});

describe("parseRetryAfter", () => {
  it("reads seconds and dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    const now = Date.parse("2026-11-23T00:00:00Z");
    expect(parseRetryAfter("Mon, 23 Nov 2026 00:00:05 GMT", now)).toBe(5000);
    expect(parseRetryAfter("soon")).toBeUndefined();
    expect(parseRetryAfter(null)).toBeUndefined();
  });
});

describe("ScimError at the edges", () => {
  it("is the AppError SCIM_ERROR whatever its kind: 502, provmgr exit 9, never INTERNAL", () => {
    for (const kind of ["transient", "rate-limited", "conflict", "not-found", "uncertain", "fatal"] as const) {
      const e = toAppError(new ScimError(kind, "POST /Users: 400 title is too long", { status: 400, scimType: "invalidValue" }));
      expect(e).toBeInstanceOf(ScimError);
      expect(e.code).toBe("SCIM_ERROR");
      expect(e.httpStatus).toBe(502);
      expect(e.exitCode).toBe(9);
      expect(e.message).toBe("POST /Users: 400 title is too long");
      expect(e.details).toEqual({ kind, status: 400, scimType: "invalidValue" });
    }
  });
});
