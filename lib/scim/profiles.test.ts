import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { TARGET_PROFILES } from "../channel-config/config.ts";
import { profilesMarkdown } from "./profiles-doc.ts";
import { profileConflict, resolveTargetProfile, TARGET_PROFILE_DATA } from "./profiles.ts";

describe("target profiles", () => {
  it("every profile has its values and a source for its limits", () => {
    for (const p of TARGET_PROFILES) {
      const d = TARGET_PROFILE_DATA[p];
      expect(d.membersPerPatch, p).toBeGreaterThan(0);
      expect(d.pageSize, p).toBeGreaterThan(0);
      expect(d.sources.membersPerPatch, p).toBeTruthy();
      expect(d.sources.pageSize, p).toBeTruthy();
      if (d.rateLimit) expect(d.sources.rateLimit, p).toBeTruthy();
    }
  });

  it("the channel's own values win; the rest are the profile's", () => {
    expect(resolveTargetProfile({})).toMatchObject({ profile: "generic", membersPerPatch: 200, pageSize: 100, rateLimit: undefined, overridden: [] });
    expect(resolveTargetProfile({ profile: "better-auth" })).toMatchObject({ membersPerPatch: 100, pageSize: 100 });
    expect(resolveTargetProfile({ profile: "slack" }).rateLimit).toEqual({ writesPerMinute: 180, burst: 20 });
    const own = resolveTargetProfile({ profile: "slack", membersPerPatch: 50, rateLimit: { requestsPerSecond: 2 } });
    expect(own).toMatchObject({ membersPerPatch: 50, pageSize: 1000, rateLimit: { requestsPerSecond: 2 }, overridden: ["membersPerPatch", "rateLimit"] });
  });

  it("refuses a delete where the profile only disables or cannot undo one", () => {
    expect(profileConflict({ profile: "slack" }, "delete")).toMatch(/can only deactivate users/);
    expect(profileConflict({ profile: "github-emu" }, "delete")).toMatch(/cannot undo a deleted account/);
    expect(profileConflict({ profile: "slack" }, "disable")).toBeNull();
    expect(profileConflict({}, "delete")).toBeNull();
  });

  it("docs/target-profiles.md lists every profile's values as the data has them", () => {
    const doc = readFileSync(path.resolve(import.meta.dirname, "../../docs/target-profiles.md"), "utf8");
    // regenerate: see lib/scim/profiles-doc.ts
    expect(doc).toContain(profilesMarkdown());
  });
});
