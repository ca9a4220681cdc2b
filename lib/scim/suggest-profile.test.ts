import { describe, expect, it } from "vitest";
import type { TProbeFindings } from "./probe.ts";
import { resolveTargetProfile } from "./profiles.ts";
import { mappingWarnings, probeWarnings, suggestProfile } from "./suggest-profile.ts";

const found = (over: Partial<TProbeFindings> = {}): TProbeFindings => ({
  schemas: [],
  resourceTypes: ["User", "Group"],
  requiredUserAttributes: ["userName"],
  filters: { eq: true, and: true },
  paging: { startIndex: true, maxPageSize: null },
  patch: true,
  hints: [],
  ...over,
});

describe("suggestProfile", () => {
  it("knows vendors by their hosts", () => {
    expect(suggestProfile("https://scim.us-east-1.amazonaws.com/abc/scim/v2", false, found()).profile).toBe("aws-iam-identity-center");
    expect(suggestProfile("https://api.slack.com/scim/v2", false, found()).profile).toBe("slack");
    expect(suggestProfile("https://api.github.com/scim/v2/enterprises/acme", false, found()).profile).toBe("github-emu");
    expect(suggestProfile("https://api.atlassian.com/scim/directory/x", false, found()).profile).toBe("atlassian");
    expect(suggestProfile("https://api.zoom.us/scim2", false, found()).profile).toBe("zoom");
  });

  it("knows Better Auth by its path and SCIMMY by its answers; anything else is generic", () => {
    expect(suggestProfile("http://127.0.0.1:3000/api/auth/scim/v2", false, found()).profile).toBe("better-auth");
    expect(suggestProfile("http://127.0.0.1:3000/scim/v2", true, found()).profile).toBe("scimmy");
    expect(suggestProfile("https://app.example.com/scim/v2", false, found()).profile).toBe("generic");
  });
});

describe("probeWarnings", () => {
  it("warns about more members per request than the target takes, and another profile than it looks like", () => {
    const s = suggestProfile("http://127.0.0.1:3000/api/auth/scim/v2", false, found());
    const w = probeWarnings(resolveTargetProfile({ membersPerPatch: 200 }), found({ paging: { startIndex: true, maxPageSize: 100 } }), s, "auto");
    expect(w.join("\n")).toMatch(/membersPerPatch 200 is above the 100/);
    expect(w.join("\n")).toMatch(/set target.profile: better-auth/);
  });

  it("says nothing when the channel's settings fit", () => {
    const s = suggestProfile("http://127.0.0.1:3000/api/auth/scim/v2", false, found());
    expect(probeWarnings(resolveTargetProfile({ profile: "better-auth" }), found({ paging: { startIndex: true, maxPageSize: 100 } }), s, "auto")).toEqual([]);
  });

  it("warns about paging, filters and PATCH the target does not do", () => {
    const s = suggestProfile("https://app.example.com/scim/v2", false, found());
    const w = probeWarnings(resolveTargetProfile({}), found({ filters: { eq: false, and: false }, paging: { startIndex: false, maxPageSize: null }, patch: false }), s, "always").join("\n");
    expect(w).toMatch(/ignores startIndex/);
    expect(w).toMatch(/refused `userName eq/);
    expect(w).toMatch(/PATCH is forced on/);
  });
});

describe("mappingWarnings", () => {
  it("names the profile's required attributes the mapping does not give", () => {
    const keys = ["userName", "emails.work", "displayName"];
    expect(mappingWarnings(resolveTargetProfile({ profile: "aws-iam-identity-center" }), keys).join("")).toMatch(/requires name.givenName, name.familyName/);
    expect(mappingWarnings(resolveTargetProfile({ profile: "slack" }), keys)).toEqual([]);
    // externalId is Ferry's own (the directory GUID)
    expect(mappingWarnings(resolveTargetProfile({ profile: "github-emu" }), keys)).toEqual([]);
  });
});
