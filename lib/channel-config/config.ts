// The shape of a channel: where users come from (source), where they go (target), how
// LDAP attributes become SCIM attributes (mapping) and what provisioning may do
// (options). The same schemas validate a channel file, an API body and what is
// read back from the store.
import { z } from "zod";
import { dnProblem, ldapFilterProblem } from "./ldap-syntax.ts";

export const DIRECTORY_TYPES = ["openldap", "active-directory", "389ds", "generic"] as const;
export type TDirectoryType = (typeof DIRECTORY_TYPES)[number];

/** A secret as written in a channel file: the value, or where to read it from. */
export const ZSecretInput = z.union([
  z.string().min(1),
  z.object({ env: z.string().min(1) }).strict(),
  z.object({ file: z.string().min(1) }).strict(),
]);

const ZLdapUrl = z
  .string()
  .regex(/^ldaps?:\/\/[^/\s]+\/?$/i, "must be ldap://host[:port] or ldaps://host[:port]");

// Parsed in full (ldap-syntax.ts) when a channel is saved, with the position of the
// first problem: a filter that is only balanced can still read nobody.
const ZDn = z.string().superRefine((dn, ctx) => {
  const problem = dnProblem(dn);
  if (problem) ctx.addIssue({ code: "custom", message: `not a distinguished name such as ou=people,dc=example,dc=com: ${problem}` });
});

const ZLdapFilter = z
  .string()
  .trim()
  .superRefine((filter, ctx) => {
    const problem = ldapFilterProblem(filter);
    if (problem) ctx.addIssue({ code: "custom", message: `not an LDAP filter such as (objectClass=person): ${problem}` });
  });

export const ZDisabledRule = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("none") }),
  /** Active Directory: userAccountControl bit 0x2 (ACCOUNTDISABLE) */
  z.object({ kind: z.literal("ad-uac") }),
  /** any other directory: the user is disabled when `attribute` holds `value` (case-insensitive) */
  z.object({ kind: z.literal("attribute"), attribute: z.string().min(1), value: z.string().min(1) }),
]);
export type TDisabledRule = z.infer<typeof ZDisabledRule>;

export const ZSourceInput = z
  .object({
    directoryType: z.enum(DIRECTORY_TYPES).default("openldap"),
    url: ZLdapUrl,
    startTls: z.boolean().default(false),
    /** PEM file of the CA that signed the directory's certificate */
    caFile: z.string().optional(),
    rejectUnauthorized: z.boolean().default(true),
    bindDn: ZDn,
    bindPassword: ZSecretInput,
    connectTimeoutMs: z.number().int().positive().default(5_000),
    timeoutMs: z.number().int().positive().default(30_000),
    baseDn: ZDn,
    /** users in scope are members of this group (nested for Active Directory)… */
    groupDn: ZDn.optional(),
    /** …or match this filter under baseDn */
    filter: ZLdapFilter.optional(),
    /** what a user entry is, whichever scope is used; default per directory type */
    userObjectFilter: ZLdapFilter.optional(),
    /** Active Directory: follow nested group membership (LDAP_MATCHING_RULE_IN_CHAIN) */
    nestedGroups: z.boolean().optional(),
    /** groups to provision: this filter under groupBaseDn (default baseDn); none = no groups */
    groupBaseDn: ZDn.optional(),
    groupFilter: ZLdapFilter.optional(),
    groupNameAttribute: z.string().default("cn"),
    memberAttribute: z.string().default("member"),
    guidAttribute: z.string().optional(),
    timestampAttribute: z.string().optional(),
    /** what tells that the provisioning group changed; finer than a one-second timestamp where the directory has it */
    groupChangeAttribute: z.string().optional(),
    disabled: ZDisabledRule.optional(),
    pageSize: z.number().int().min(1).max(5_000).default(500),
  })
  .strict()
  .refine((s) => Boolean(s.groupDn) !== Boolean(s.filter), {
    message: "give exactly one of groupDn (users who are members) or filter (users matching an LDAP filter)",
    path: ["groupDn"],
  });

export const ZAuthInput = z.discriminatedUnion("type", [
  z.object({ type: z.literal("bearer"), token: ZSecretInput }).strict(),
  z.object({ type: z.literal("basic"), username: z.string().min(1), password: ZSecretInput }).strict(),
  z
    .object({
      type: z.literal("oauth2"),
      tokenUrl: z.string().url(),
      clientId: z.string().min(1),
      clientSecret: ZSecretInput,
      scope: z.string().optional(),
    })
    .strict(),
]);

export const ZTargetInput = z
  .object({
    /** the SCIM base URL; /Users, /Groups and /ServiceProviderConfig are below it */
    url: z.string().url().refine((u) => /^https?:/i.test(u), "must be an http(s) URL"),
    auth: ZAuthInput,
    timeoutMs: z.number().int().positive().default(30_000),
    /** requests in flight at once against this target */
    maxConcurrency: z.number().int().min(1).max(64).default(4),
    /** at most this many members in one group PATCH */
    membersPerPatch: z.number().int().min(1).max(10_000).default(200),
    /** PATCH for updates: auto = as /ServiceProviderConfig says */
    usePatch: z.enum(["auto", "always", "never"]).default("auto"),
    /**
     * How a user not yet linked is matched by userName: lookup-first asks the target
     * (GET ?filter=userName eq …) before creating; create-first creates straight away and
     * links the existing user when the target answers 409 uniqueness, which RFC 7643
     * requires of userName. create-first halves a first load's requests; use it only with
     * a target that enforces userName uniqueness.
     */
    userMatching: z.enum(["lookup-first", "create-first"]).default("lookup-first"),
    /** transient failures retried within one push before the record is left dirty */
    maxRetries: z.number().int().min(0).max(10).default(3),
  })
  .strict();

/** How one SCIM attribute gets its value. A bare string names an LDAP attribute. */
export const ZMappingValue = z.union([
  z.string().min(1),
  z.object({ attribute: z.string().min(1), transform: z.enum(["lower", "upper", "none"]).default("none") }).strict(),
  z.object({ template: z.string().min(1) }).strict(),
  z.object({ literal: z.union([z.string(), z.boolean(), z.number()]) }).strict(),
]);
export type TMappingValue = z.infer<typeof ZMappingValue>;

export const ZMapping = z
  .record(z.string().regex(/^[A-Za-z0-9:._-]+$/, "must be a SCIM attribute path such as name.givenName or emails.work"), ZMappingValue)
  .refine((m) => "userName" in m, "the mapping must give userName: it is how users are matched at the service provider");
export type TMapping = z.infer<typeof ZMapping>;

export const ZOptions = z
  .object({
    createUsers: z.boolean().default(true),
    updateUsers: z.boolean().default(true),
    /** deprovision users who are deleted, disabled or leave the scope */
    deprovisionUsers: z.boolean().default(true),
    removeUserAction: z.enum(["disable", "delete"]).default("disable"),
    provisionDisabledUsers: z.boolean().default(false),
    provisionGroups: z.boolean().default(true),
    /** seconds between full reads of the scope, the safety net for deletions a directory does not signal; 0 = never */
    fullSyncIntervalSec: z.number().int().min(0).default(3_600),
    /** a full read that would deprovision more than this share of provisioned users is held (0-100; 100 = no guard) */
    maxDeprovisionPercent: z.number().min(0).max(100).default(50),
    /** …unless it is at most this many users */
    deprovisionGuardMinimum: z.number().int().min(0).default(10),
  })
  .strict();
export type TOptions = z.infer<typeof ZOptions>;

export const ZChannelFile = z
  .object({
    name: z.string().min(1).max(100),
    connectionId: z.string().min(1).max(200),
    active: z.boolean().default(true),
    connectionActive: z.boolean().default(true),
    syncFrequencySec: z.number().int().min(1).default(60),
    source: ZSourceInput,
    target: ZTargetInput,
    mapping: ZMapping.optional(),
    groupMapping: z.object({ displayName: ZMappingValue }).strict().optional(),
    options: ZOptions.default(ZOptions.parse({})),
  })
  .strict();
export type TChannelFile = z.input<typeof ZChannelFile>;

export type TSourceInput = z.infer<typeof ZSourceInput>;
export type TTargetInput = z.infer<typeof ZTargetInput>;

/** Stored form: secrets are `enc:v1:…` strings, every default filled in. */
export type TSource = Omit<TSourceInput, "bindPassword"> & {
  bindPassword: string;
  guidAttribute: string;
  timestampAttribute: string;
  groupChangeAttribute: string;
  userObjectFilter: string;
  nestedGroups: boolean;
  disabled: TDisabledRule;
};
export type TAuth =
  | { type: "bearer"; token: string }
  | { type: "basic"; username: string; password: string }
  | { type: "oauth2"; tokenUrl: string; clientId: string; clientSecret: string; scope?: string };
export type TTarget = Omit<TTargetInput, "auth"> & { auth: TAuth };

/** inetOrgPerson directories (OpenLDAP, 389-DS, most others): uid, givenName, sn, mail, cn */
const INET_ORG_PERSON_MAPPING: TMapping = {
  userName: "uid",
  "name.givenName": "givenName",
  "name.familyName": "sn",
  "emails.work": "mail",
  displayName: "cn",
};

export const DIRECTORY_DEFAULTS: Record<
  TDirectoryType,
  { guid: string; timestamp: string; groupChange: string; userObjectFilter: string; disabled: TDisabledRule; mapping: TMapping }
> = {
  openldap: {
    guid: "entryUUID",
    timestamp: "modifyTimestamp",
    // microsecond change sequence number: two edits within one second still differ
    groupChange: "entryCSN",
    userObjectFilter: "(objectClass=inetOrgPerson)",
    disabled: { kind: "none" },
    mapping: INET_ORG_PERSON_MAPPING,
  },
  "active-directory": {
    guid: "objectGUID",
    timestamp: "whenChanged",
    groupChange: "uSNChanged",
    userObjectFilter: "(&(objectCategory=person)(objectClass=user))",
    disabled: { kind: "ad-uac" },
    mapping: {
      userName: "sAMAccountName",
      "name.givenName": "givenName",
      "name.familyName": "sn",
      "emails.work": "mail",
      displayName: "displayName",
    },
  },
  "389ds": {
    guid: "nsUniqueId",
    timestamp: "modifyTimestamp",
    groupChange: "modifyTimestamp",
    userObjectFilter: "(objectClass=inetOrgPerson)",
    disabled: { kind: "attribute", attribute: "nsAccountLock", value: "true" },
    mapping: INET_ORG_PERSON_MAPPING,
  },
  generic: {
    guid: "entryUUID",
    timestamp: "modifyTimestamp",
    groupChange: "modifyTimestamp",
    userObjectFilter: "(objectClass=person)",
    disabled: { kind: "none" },
    mapping: INET_ORG_PERSON_MAPPING,
  },
};
