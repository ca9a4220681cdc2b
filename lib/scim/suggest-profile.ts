// Which profile a probed target looks like, and which of the channel's settings will fail
// against it. The host says most (amazonaws.com, slack.com, …); for the two servers Ferry
// is tested with, their answers do (Better Auth mounts SCIM under /api/auth/scim/v2;
// SCIMMY announces /Bulk with the whole filter grammar). Anything else is generic.
import type { TTargetProfile } from "../channel-config/config.ts";
import type { TProbeFindings } from "./probe.ts";
import { TARGET_PROFILE_DATA, type TEffectiveTarget } from "./profiles.ts";

export type TProfileSuggestion = { profile: TTargetProfile; label: string; why: string };

const HOSTS: Array<[RegExp, TTargetProfile]> = [
  [/(^|\.)scim\.[a-z0-9-]+\.amazonaws\.com$|(^|\.)amazonaws\.com$/i, "aws-iam-identity-center"],
  [/(^|\.)slack\.com$/i, "slack"],
  [/(^|\.)github\.com$|(^|\.)ghe\.com$/i, "github-emu"],
  [/(^|\.)atlassian\.(com|net)$/i, "atlassian"],
  [/(^|\.)zoom\.us$/i, "zoom"],
];

const suggestion = (profile: TTargetProfile, why: string): TProfileSuggestion => ({ profile, label: TARGET_PROFILE_DATA[profile].label, why });

export function suggestProfile(url: string, bulk: boolean, f: TProbeFindings): TProfileSuggestion {
  const u = new URL(url);
  for (const [re, profile] of HOSTS) if (re.test(u.hostname)) return suggestion(profile, `the host ${u.hostname}`);
  if (/\/api\/auth\/scim\/v2\/?$/.test(u.pathname)) return suggestion("better-auth", "Better Auth's SCIM path (/api/auth/scim/v2)");
  if (bulk && f.filters.and === true && f.paging.startIndex !== false) return suggestion("scimmy", "/Bulk and the whole filter grammar, as SCIMMY");
  return suggestion("generic", "nothing in its answers names a known product");
}

/** The channel's settings the target will refuse or that will cost it, in words. */
export function probeWarnings(effective: TEffectiveTarget, f: TProbeFindings, s: TProfileSuggestion, usePatch: "auto" | "always" | "never"): string[] {
  const w: string[] = [];
  const known = TARGET_PROFILE_DATA[s.profile];
  if (s.profile !== "generic" && s.profile !== effective.profile) {
    w.push(`The target looks like ${s.label} (${s.why}) but the channel's profile is ${effective.data.label}: set target.profile: ${s.profile}.`);
  }
  if (s.profile !== "generic" && effective.membersPerPatch > known.membersPerPatch) {
    w.push(
      `membersPerPatch ${effective.membersPerPatch} is above the ${known.membersPerPatch} members per request ${s.label} takes: larger group writes are refused (Ferry then splits them and keeps the smaller size); set it to ${known.membersPerPatch} or leave it to the profile.`,
    );
  }
  if (f.paging.maxPageSize !== null && effective.pageSize > f.paging.maxPageSize) {
    w.push(`The target returned at most ${f.paging.maxPageSize} resources per page; pageSize ${effective.pageSize} is capped by it (Ferry follows the pages either way).`);
  }
  if (f.paging.startIndex === false) w.push("The target ignores startIndex: it cannot be listed whole, so first loads look each user up instead of taking an inventory.");
  if (f.filters.eq === false) w.push('The target refused `userName eq "…"`: Ferry finds existing users and groups by it; lookups will fail.');
  if (f.patch === false && usePatch === "always") w.push("PATCH is forced on but the target does not route PATCH (405/501): set usePatch to auto or never.");
  if (f.patch === false && s.profile === "generic" && usePatch === "auto") w.push("The target does not route PATCH: updates are sent with PUT.");
  return w;
}

/** The profile's required user attributes the mapping does not give (externalId: Ferry sends the directory GUID itself). */
export function mappingWarnings(effective: TEffectiveTarget, mappedKeys: string[]): string[] {
  const missing = effective.data.requiredAttributes.filter((a) => a !== "externalId" && !mappedKeys.some((k) => k === a || k.startsWith(`${a}.`)));
  return missing.length === 0
    ? []
    : [`${effective.data.label} requires ${missing.join(", ")} on every user, and the channel's mapping does not give ${missing.length === 1 ? "it" : "them"}: creates will be refused.`];
}
