// Target profiles: what a kind of SCIM service provider takes, so that an admin who
// picks "Slack" or "Better Auth" does not have to discover its limits one failed cycle
// at a time. A profile fills in every target value the channel leaves out; a value the
// channel gives (target.membersPerPatch, target.pageSize, target.rateLimit) always wins.
// Each value names where it came from (`sources`): the vendor's SCIM documentation, or
// for the two servers Ferry tests against, their code. docs/target-profiles.md lists
// them all; lib/scim/profiles.test.ts keeps that page and this data together.
// Browser-safe (the console's form shows the profile's values as placeholders).
import type { TTargetProfile } from "../channel-config/config.ts";

export type TRateLimit = { requestsPerSecond?: number; writesPerMinute?: number; burst?: number };

/** How a target takes a deprovisioning: delete or disable; only disable (DELETE deactivates too); disable, since a delete cannot be undone. */
export type TDeprovisionRule = "disable-or-delete" | "disable-only" | "prefer-disable";

export type TFilterOp = "eq" | "ne" | "co" | "sw" | "ew" | "pr" | "gt" | "ge" | "lt" | "le" | "and" | "or" | "not";

export type TTargetProfileData = {
  label: string;
  /** the vendor's SCIM documentation */
  docs: string;
  /** resources per page when listing (a larger `count` is capped by the target) */
  pageSize: number;
  /** false: the target ignores startIndex, so it cannot be listed whole (no inventory) */
  paging?: boolean;
  /** group members per PATCH (add or remove) and in a group's create */
  membersPerPatch: number;
  /** direct members a group may hold at most, when the target says */
  maxGroupMembers?: number;
  rateLimit?: TRateLimit;
  /** filter operators the target answers; Ferry itself needs only `eq` */
  filters: TFilterOp[];
  /** PATCH of users and groups; `replaceMembers`: a group's members may be replaced whole */
  patch: { supported: boolean; replaceMembers: boolean };
  bulk: boolean;
  /** user attributes the target refuses a create without */
  requiredAttributes: string[];
  /** longest value taken, in characters */
  nameLimits: { userName?: number; displayName?: number };
  deprovision: TDeprovisionRule;
  groupRename: boolean;
  /** what else an admin must know, in a sentence each */
  notes: string[];
  /** where each value above came from */
  sources: Partial<Record<Exclude<keyof TTargetProfileData, "label" | "docs" | "sources" | "notes">, string>>;
};

const RFC7644 = "https://www.rfc-editor.org/rfc/rfc7644";
const AWS = "https://docs.aws.amazon.com/singlesignon/latest/developerguide/what-is-scim.html";
const AWS_LIST = "https://docs.aws.amazon.com/singlesignon/latest/developerguide/listusers.html";
const AWS_GROUP = "https://docs.aws.amazon.com/singlesignon/latest/developerguide/creategroup.html";
const SLACK = "https://api.slack.com/admins/scim2";
const SLACK_LIMITS = "https://docs.slack.dev/reference/scim-api/rate-limits";
const GITHUB = "https://docs.github.com/en/enterprise-cloud@latest/admin/managing-iam/provisioning-user-accounts-with-scim/provisioning-users-and-groups-with-scim-using-the-rest-api";
const ATLASSIAN = "https://developer.atlassian.com/cloud/admin/user-provisioning/rest/intro/";
const ZOOM = "https://developers.zoom.us/docs/api/rest/reference/scim-api/";
const OKTA = "https://developer.okta.com/docs/api/openapi/okta-scim/guides/scim-20";
const BETTER_AUTH = "node_modules/@better-auth/scim/dist/index.mjs (1.7.5)";
const SCIMMY = "https://scimmyjs.github.io/ (scimmy 1.x, scimmy-routers)";

/** RFC 7644 with Ferry's defaults where the RFC leaves the number to the server. */
const generic: TTargetProfileData = {
  label: "Generic SCIM 2.0 (RFC 7644)",
  docs: RFC7644,
  pageSize: 100,
  membersPerPatch: 200,
  filters: ["eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le", "and", "or", "not"],
  patch: { supported: true, replaceMembers: true },
  bulk: false,
  requiredAttributes: ["userName"],
  nameLimits: {},
  deprovision: "disable-or-delete",
  groupRename: true,
  notes: ["Ferry reads /ServiceProviderConfig for PATCH support (usePatch: auto); Test target says what the server announces."],
  sources: {
    pageSize: `${RFC7644} §3.4.2.4 (the server may cap count; 100 is Ferry's choice)`,
    membersPerPatch: "Ferry's default since 0.1 (no RFC limit)",
    filters: `${RFC7644} §3.4.2.2`,
    patch: `${RFC7644} §3.5.2`,
    requiredAttributes: "RFC 7643 §4.1 (userName is REQUIRED)",
    deprovision: "RFC 7643 §4.1.1 (active) and RFC 7644 §3.6 (DELETE)",
  },
};

export const TARGET_PROFILE_DATA: Record<TTargetProfile, TTargetProfileData> = {
  generic,
  "aws-iam-identity-center": {
    label: "AWS IAM Identity Center",
    docs: AWS,
    pageSize: 50,
    paging: false,
    membersPerPatch: 100,
    filters: ["eq", "and"],
    patch: { supported: true, replaceMembers: false },
    bulk: false,
    requiredAttributes: ["userName", "displayName", "name.givenName", "name.familyName"],
    nameLimits: {},
    deprovision: "disable-or-delete",
    groupRename: true,
    notes: [
      "ListUsers returns at most 50 results and ignores startIndex: the target cannot be listed whole, so a first load looks each user up (no inventory).",
      "No published request rate: set target.rateLimit from the 429s you see (Ferry honours Retry-After).",
      "Multi-valued attributes take one value only (one e-mail, one address, one phone number).",
      "GET /Groups lists groups without their members; Ferry reads a group's members with the group.",
    ],
    sources: {
      pageSize: `${AWS_LIST} ("only capable of returning up to 50 results")`,
      paging: `${AWS_LIST} ("startIndex ... not supported")`,
      membersPerPatch: `${AWS_GROUP} ("A maximum of 100 members can be added in a single request"; issue 15)`,
      filters: `${AWS} (limitations: "Only eq with and is supported")`,
      patch: `${AWS} (limitations: PatchGroup does not support remove all or replace)`,
      bulk: `${AWS} (limitations: no /Bulk)`,
      requiredAttributes: "issue 15 (name fields required), and the ssosync tracker",
    },
  },
  slack: {
    label: "Slack",
    docs: SLACK,
    pageSize: 1000,
    membersPerPatch: 1000,
    rateLimit: { writesPerMinute: 180, burst: 20 },
    filters: ["eq"],
    patch: { supported: true, replaceMembers: true },
    bulk: false,
    requiredAttributes: ["userName", "emails"],
    nameLimits: { userName: 21 },
    deprovision: "disable-only",
    groupRename: true,
    notes: [
      "Rate limits are org-wide, shared with every other SCIM app of the organisation: 600 writes a minute (burst 180), and 180 a minute (burst 20) per user endpoint (create, update, delete). The profile takes the per-endpoint limit.",
      "DELETE /Users deactivates; a user is never removed.",
    ],
    sources: {
      pageSize: `${SLACK} (count at most 1,000)`,
      membersPerPatch: `${SLACK} (members in a PATCH: no lower limit documented; Ferry keeps 1,000)`,
      rateLimit: `${SLACK_LIMITS} (org-wide writes 600/min burst 180; POST /Users 180/min burst 20)`,
      filters: `${SLACK} (filter: eq on userName, email / displayName)`,
      requiredAttributes: `${SLACK} (userName and emails required on create)`,
      nameLimits: `${SLACK} (userName: fewer than 21 characters, lower case letters, numbers, periods, hyphens, underscores)`,
      deprovision: `${SLACK} (DELETE /Users/{id} deactivates the user)`,
    },
  },
  "github-emu": {
    label: "GitHub Enterprise Managed Users",
    docs: GITHUB,
    pageSize: 100,
    membersPerPatch: 100,
    rateLimit: { writesPerMinute: 16, burst: 10 },
    filters: ["eq"],
    patch: { supported: true, replaceMembers: true },
    bulk: false,
    requiredAttributes: ["userName", "displayName", "emails", "externalId"],
    nameLimits: {},
    deprovision: "prefer-disable",
    groupRename: true,
    notes: [
      "At most 1,000 users provisioned per hour: a first load of 10,000 users takes 10 hours whatever Ferry does.",
      "DELETE hard-deprovisions: the account's username is obfuscated and it cannot be reactivated; keep removeUserAction: disable (soft deprovisioning, active false).",
    ],
    sources: {
      pageSize: `${GITHUB} (count up to 100)`,
      membersPerPatch: "GitHub does not document one; 100 as for its REST API pages",
      rateLimit: `${GITHUB} ("Rate limits for SCIM provisioning": 1,000 users per hour, i.e. about 16 a minute)`,
      requiredAttributes: `${GITHUB} (externalId, userName, displayName, emails required)`,
      deprovision: `${GITHUB} ("Soft-deprovisioning" vs "Hard-deprovisioning ... cannot be undone")`,
    },
  },
  atlassian: {
    label: "Atlassian (Atlassian Guard)",
    docs: ATLASSIAN,
    pageSize: 100,
    membersPerPatch: 100,
    filters: ["eq"],
    patch: { supported: true, replaceMembers: true },
    bulk: false,
    requiredAttributes: ["userName", "emails"],
    nameLimits: {},
    deprovision: "disable-or-delete",
    groupRename: false,
    notes: [
      "Only users in a verified domain of the organisation are updated; others are refused.",
      "Groups cannot be renamed through SCIM: a directory rename is refused by the target.",
    ],
    sources: {
      pageSize: `${ATLASSIAN} (count at most 100)`,
      membersPerPatch: "not documented; 100 as its page size",
      filters: `${ATLASSIAN} (filter userName eq / displayName eq)`,
      requiredAttributes: `${ATLASSIAN} (userName and a work e-mail)`,
      groupRename: "issue 15 (Atlassian: groups cannot be renamed)",
    },
  },
  zoom: {
    label: "Zoom",
    docs: ZOOM,
    pageSize: 100,
    membersPerPatch: 100,
    filters: ["eq"],
    patch: { supported: true, replaceMembers: false },
    bulk: false,
    requiredAttributes: ["userName", "emails", "name.givenName", "name.familyName"],
    nameLimits: {},
    deprovision: "disable-or-delete",
    groupRename: true,
    notes: ["Zoom's SCIM API shares the account's REST rate limits (per plan, not published for SCIM): set target.rateLimit from the 429s you see."],
    sources: {
      pageSize: `${ZOOM} (count at most 100)`,
      membersPerPatch: "not documented; 100 as its page size",
      filters: `${ZOOM} (filter userName eq)`,
      requiredAttributes: `${ZOOM} (userName, emails, name required on create)`,
    },
  },
  "okta-like": {
    label: "Okta-like (built to Okta's SCIM guide)",
    docs: OKTA,
    pageSize: 100,
    membersPerPatch: 100,
    filters: ["eq"],
    patch: { supported: true, replaceMembers: true },
    bulk: false,
    requiredAttributes: ["userName"],
    nameLimits: {},
    deprovision: "disable-only",
    groupRename: true,
    notes: ["Okta's guide has apps deactivate (active false) and never DELETE users; servers built to it often do not implement DELETE /Users."],
    sources: {
      pageSize: `${OKTA} (Okta pages with count=100)`,
      membersPerPatch: "not documented; 100 as its page size",
      filters: `${OKTA} (only userName eq is required)`,
      deprovision: `${OKTA} ("Okta doesn't perform DELETE operations on user objects")`,
    },
  },
  "better-auth": {
    label: "Better Auth (@better-auth/scim)",
    docs: "https://www.better-auth.com/docs/plugins/scim",
    pageSize: 100,
    membersPerPatch: 100,
    maxGroupMembers: 1000,
    filters: ["eq"],
    patch: { supported: true, replaceMembers: true },
    bulk: false,
    requiredAttributes: ["userName", "emails"],
    nameLimits: {},
    deprovision: "disable-or-delete",
    groupRename: true,
    notes: ["More than 100 members in one request is answered 400 \"One or more Group members are invalid\" (the plugin checks members with one query of at most 100 rows)."],
    sources: {
      pageSize: `${BETTER_AUTH} (count capped at 100)`,
      membersPerPatch: `${BETTER_AUTH} (assertConnectionOwnsUsers: findMany returns at most 100 rows; measured in test/integration/target-profiles.test.ts)`,
      maxGroupMembers: `${BETTER_AUTH} (SCIM_MAX_GROUP_MEMBERS = 1e3)`,
      filters: `${BETTER_AUTH} (eq only)`,
      requiredAttributes: `${BETTER_AUTH} (a user needs an e-mail)`,
    },
  },
  scimmy: {
    label: "SCIMMY (scimmy + scimmy-routers)",
    docs: SCIMMY,
    pageSize: 1000,
    membersPerPatch: 1000,
    filters: ["eq", "ne", "co", "sw", "ew", "pr", "gt", "ge", "lt", "le", "and", "or", "not"],
    patch: { supported: true, replaceMembers: true },
    bulk: true,
    requiredAttributes: ["userName"],
    nameLimits: {},
    deprovision: "disable-or-delete",
    groupRename: true,
    notes: ["Keeps everything in the memory of its process (devkit/scim-scimmy.ts): Ferry's benchmark target."],
    sources: {
      pageSize: `${SCIMMY} (no server cap; 1,000 is Ferry's choice)`,
      membersPerPatch: `${SCIMMY} (no limit; 1,000 is Ferry's choice)`,
      filters: `${SCIMMY} (the whole RFC 7644 filter grammar)`,
      bulk: `${SCIMMY} (/Bulk supported)`,
    },
  },
};

/** The values a channel's target works with: its own where given, else its profile's. */
export type TEffectiveTarget = {
  profile: TTargetProfile;
  data: TTargetProfileData;
  membersPerPatch: number;
  pageSize: number;
  rateLimit: TRateLimit | undefined;
  /** which values the channel gave itself (the rest are the profile's) */
  overridden: Array<"membersPerPatch" | "pageSize" | "rateLimit">;
};

type TProfiledTarget = { profile?: TTargetProfile | undefined; membersPerPatch?: number | undefined; pageSize?: number | undefined; rateLimit?: TRateLimit | undefined };

export function resolveTargetProfile(target: TProfiledTarget): TEffectiveTarget {
  const profile = target.profile ?? "generic";
  const data = TARGET_PROFILE_DATA[profile];
  const overridden: TEffectiveTarget["overridden"] = [];
  if (target.membersPerPatch !== undefined) overridden.push("membersPerPatch");
  if (target.pageSize !== undefined) overridden.push("pageSize");
  if (target.rateLimit !== undefined) overridden.push("rateLimit");
  return {
    profile,
    data,
    membersPerPatch: target.membersPerPatch ?? data.membersPerPatch,
    pageSize: target.pageSize ?? data.pageSize,
    rateLimit: target.rateLimit ?? data.rateLimit,
    overridden,
  };
}

/**
 * A channel setting its target's profile refuses, in words; null when there is none.
 * Checked when a channel is saved (lib/channels/store-channel-config.ts).
 */
export function profileConflict(target: TProfiledTarget, removeUserAction: "disable" | "delete"): string | null {
  const { profile, data } = resolveTargetProfile(target);
  if (removeUserAction === "delete" && data.deprovision === "disable-only") {
    return `options.removeUserAction: delete, but target.profile ${profile} can only deactivate users (${data.sources.deprovision ?? data.docs}); use disable`;
  }
  if (removeUserAction === "delete" && data.deprovision === "prefer-disable") {
    return `options.removeUserAction: delete, but target.profile ${profile} cannot undo a deleted account (${data.sources.deprovision ?? data.docs}); use disable`;
  }
  return null;
}
