import { describe, expect, it } from "vitest";
import { MAX_BODY_CHARS, redactBody } from "./redact.ts";

describe("redactBody", () => {
  it("masks secrets in SCIM bodies, at any depth and in PATCH operations", () => {
    const body = JSON.stringify({
      userName: "janet",
      password: "hunter2",
      "urn:x:ext": { apiToken: "t0k3n" },
      Operations: [{ op: "replace", path: "password", value: "s3cret" }, { op: "replace", path: "title", value: "CFO" }],
    });
    const r = redactBody(body)!;
    expect(r).not.toMatch(/hunter2|t0k3n|s3cret/);
    expect(JSON.parse(r)).toMatchObject({ userName: "janet", password: "[redacted]", Operations: [{ value: "[redacted]" }, { value: "CFO" }] });
  });
  it("masks key=value secrets in bodies that are not JSON, and cuts long bodies", () => {
    expect(redactBody("grant_type=client_credentials&client_secret=abc123&x=1")).not.toContain("abc123");
    const long = redactBody("x".repeat(MAX_BODY_CHARS + 500))!;
    expect(long.length).toBeLessThan(MAX_BODY_CHARS + 40);
    expect(long).toMatch(/… \(2500 characters\)$/);
    expect(redactBody("")).toBeNull();
  });
});
