import { describe, expect, it } from "vitest";
import { loginPathFor, safeReturnPath } from "./return-path.ts";

describe("safeReturnPath", () => {
  it("keeps a path of the console with its query and fragment", () => {
    expect(safeReturnPath("/channels/3/users?state=held")).toBe("/channels/3/users?state=held");
    expect(safeReturnPath("/audit#top")).toBe("/audit#top");
    expect(safeReturnPath("/channels/../audit")).toBe("/audit");
  });

  it.each([
    "//evil.example",
    "//evil.example/channels",
    "https://evil.example",
    "http://evil.example/channels",
    "/\\evil.example",
    "\\\\evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "javascript:alert(1)",
    "evil.example",
    "channels",
    "",
    "/login",
    "/login?next=/channels",
    "/api/v1/channels",
    "/api",
  ])("refuses %j", (raw) => {
    expect(safeReturnPath(raw)).toBeNull();
  });

  it("refuses what is not a string, or too long", () => {
    expect(safeReturnPath(undefined)).toBeNull();
    expect(safeReturnPath(["/channels"])).toBeNull();
    expect(safeReturnPath(`/${"a".repeat(3000)}`)).toBeNull();
  });
});

describe("loginPathFor", () => {
  it("carries a safe path as next, encoded", () => {
    expect(loginPathFor("/channels/3?tab=users")).toBe("/login?next=%2Fchannels%2F3%3Ftab%3Dusers");
  });
  it("drops an unsafe or empty one", () => {
    expect(loginPathFor("//evil.example")).toBe("/login");
    expect(loginPathFor(null)).toBe("/login");
    expect(loginPathFor("/")).toBe("/login");
  });
});
