// The shape of a channel: where users come from (source), where they go (target), how
// LDAP attributes become SCIM attributes (mapping) and what provisioning may do
// (options). A channel comes in three forms, each with its own schema, all built from
// the same fields so that they cannot drift apart:
//  - a channel file (ZChannelFile), as `npm run channel -- apply` reads it: a secret is
//    its value, { env } or { file } (or the channel's own stored `enc:v1:` value);
//  - an edit (ZChannelEdit), as the console and the API send it: a secret is a new value
//    or { keep: true } for the stored one (left out: kept);
//  - the stored form (stored.ts): every default filled in, every secret encrypted.
// Browser-safe: the console's form takes its types from these schemas (z.input).
import { z } from "zod";
import { isEncrypted, ZEncryptedSecret, ZPlainSecret } from "../crypto/secret-types.ts";
import { checkExpression } from "../mapping/expression/compile.ts";
import { LDAP_ATTRIBUTE_NAME } from "../mapping/ldap-attribute.ts";
import { dnProblem, ldapFilterProblem } from "./ldap-syntax.ts";

export const DIRECTORY_TYPES = ["openldap", "active-directory", "389ds", "generic"] as const;
export type TDirectoryType = (typeof DIRECTORY_TYPES)[number];

/** How a provisioned group's nested groups reach the target (options.nestedGroups). */
export const NESTED_GROUPS = ["flatten", "direct"] as const;
export type TNestedGroups = (typeof NESTED_GROUPS)[number];

/**
 * How incremental cycles learn what changed (lib/ldap/change-feed.ts): modification
 * timestamps (any directory), Active Directory's DirSync or uSNChanged, OpenLDAP's RFC 4533
 * content synchronisation, 389-DS's retro changelog. `auto`: the best the directory type
 * offers.
 */
/**
 * Named target profiles (lib/scim/profiles.ts holds their values and where each came
 * from; docs/target-profiles.md lists them). A profile fills in what the target field
 * leaves out: page size, members per request, rate limit, deprovisioning rules.
 */
export const TARGET_PROFILES = ["generic", "aws-iam-identity-center", "slack", "github-emu", "atlassian", "zoom", "okta-like", "better-auth", "scimmy"] as const;
export type TTargetProfile = (typeof TARGET_PROFILES)[number];

/** What a target user not yet linked is matched on after userName (case-insensitive), in order (userMatching: inventory). */
export const INVENTORY_MATCH_KEYS = ["externalId", "emails"] as const;

export const CHANGE_CAPTURE_KINDS = ["timestamp", "dirsync", "usn", "syncrepl", "changelog"] as const;
export type TChangeCaptureKind = (typeof CHANGE_CAPTURE_KINDS)[number];

/**
 * A secret as written in a channel file: its value, or where to read it from. A stored
 * (`enc:v1:`) value copied from the store is this channel's own stored secret, kept
 * only where secret-hosts.ts allows.
 */
export const ZSecretInput = z
  .union([
    ZEncryptedSecret.transform((stored) => ({ stored })),
    ZPlainSecret,
    z.object({ env: z.string().min(1) }).strict(),
    z.object({ file: z.string().min(1) }).strict(),
  ])
  .describe("the secret's value, { env: NAME }, { file: path }, or this channel's own stored (enc:v1:) value");

export const KEEP_SECRET = { keep: true } as const;

function secretEditProblem(issue: { input?: unknown }): string {
  const v = issue.input;
  if (typeof v === "string" && isEncrypted(v)) return "give the secret's value, not a stored (encrypted) one";
  if (typeof v === "object" && v !== null && ("env" in v || "file" in v)) {
    return "give the secret's value (environment and file references are for channel files only)";
  }
  return "give the secret's value, or { keep: true } to keep the stored one";
}

/**
 * A secret as an edit gives it: a new value (replace), or { keep: true } for the stored
 * one, which is also what leaving it out (or empty) means. A kept secret is the stored
 * one only while the URLs it is sent to keep their host (secret-hosts.ts). Values only:
 * { env } and { file } would let a browser read the server's environment or files into a
 * bind to a host of its choice.
 */
export const ZSecretEdit = z
  .union([ZPlainSecret, z.object({ keep: z.literal(true) }).strict(), z.literal("").transform(() => KEEP_SECRET)], { error: secretEditProblem })
  .default(KEEP_SECRET)
  .describe("a new value, or { keep: true } for the stored one (left out, or empty: kept)");

const ZLdapUrl = z
  .string()
  .regex(/^ldaps?:\/\/[^/\s]+\/?$/i, "must be ldap://host[:port] or ldaps://host[:port]");

// Parsed in full (ldap-syntax.ts) when a channel is saved, with the position of the
// first problem: a filter that is only balanced can still read nobody.
const ZDn = z.string().superRefine((dn, ctx) => {
  const problem = dnProblem(dn);
  if (problem) ctx.addIssue({ code: "custom", message: `not a distinguished name such as ou=people,dc=example,dc=com: ${problem}` });
});

/**
 * Who binds: a DN, or as Active Directory admins write it, user@domain (userPrincipalName)
 * or DOMAIN\user (down-level logon name). The directory resolves the last two itself.
 */
const ZBindName = z.string().superRefine((name, ctx) => {
  // the user part may hold spaces (a sAMAccountName may); the domain part may not
  if (/^[^@,=\\]+@[^\s@,=\\]+$/.test(name) || /^[^\s@,=\\]+\\[^@,=\\]+$/.test(name)) return;
  const problem = dnProblem(name);
  if (problem) {
    ctx.addIssue({
      code: "custom",
      message: `not a distinguished name such as cn=reader,dc=example,dc=com (or, for Active Directory, user@domain or DOMAIN\\user): ${problem}`,
    });
  }
});

export const ZLdapFilter = z
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

/** A source's fields but its secret: each form of a channel adds the secret its own way. */
export const ZSourceFields = z.object({
  directoryType: z.enum(DIRECTORY_TYPES).default("openldap"),
  url: ZLdapUrl,
  startTls: z.boolean().default(false),
  /** PEM file of the CA that signed the directory's certificate */
  caFile: z.string().optional(),
  rejectUnauthorized: z.boolean().default(true),
  /** the name the directory's certificate must carry, when the URL names an IP or an alias (a DC's certificate names the DC) */
  tlsServername: z.string().trim().min(1).optional(),
  /** a DN; for Active Directory also user@domain (UPN) or DOMAIN\user */
  bindDn: ZBindName,
  connectTimeoutMs: z.number().int().positive().default(5_000),
  timeoutMs: z.number().int().positive().default(30_000),
  baseDn: ZDn,
  /** users in scope are members of this group (nested for Active Directory)… */
  groupDn: ZDn.optional(),
  /** …or match this filter under baseDn */
  filter: ZLdapFilter.optional(),
  /** what a user entry is, whichever scope is used; default per directory type */
  userObjectFilter: ZLdapFilter.optional(),
  /**
   * users in nested groups of groupDn are in scope too: Active Directory follows them with
   * LDAP_MATCHING_RULE_IN_CHAIN; OpenLDAP needs slapo-dynlist's nested memberOf and 389-DS
   * its memberOf plug-in (both put nested groups in memberOf). On, the change feed also
   * watches the groups, since a nested group's change touches no user entry
   */
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
  /** how incremental cycles learn what changed; auto = the best the directory type offers */
  changeCapture: z.enum(["auto", ...CHANGE_CAPTURE_KINDS]).default("auto"),
  /**
   * poll: a cycle every syncFrequencySec. push: besides, a worker keeps the directory's
   * change feed open (RFC 4533 refreshAndPersist on OpenLDAP) and runs a cycle within a
   * second of a change; feeds that cannot push are polled every few seconds instead
   */
  syncMode: z.enum(["poll", "push"]).default("poll"),
});

/** Users in scope are members of a group or match a filter: exactly one of the two. */
export function withOneScope<T extends z.ZodType<{ groupDn?: string | undefined; filter?: string | undefined }>>(schema: T): T {
  return schema.refine((s) => Boolean(s.groupDn) !== Boolean(s.filter), {
    message: "give exactly one of groupDn (users who are members) or filter (users matching an LDAP filter)",
    path: ["groupDn"],
  });
}

export const ZSourceInput = withOneScope(ZSourceFields.extend({ bindPassword: ZSecretInput }).strict());
export const ZSourceEdit = withOneScope(ZSourceFields.extend({ bindPassword: ZSecretEdit }).strict());

/** How Ferry authenticates at the target, with its secret as the form of the channel gives it. */
export function authSchema<S extends z.ZodType>(secret: S) {
  return z.discriminatedUnion("type", [
    z.object({ type: z.literal("bearer"), token: secret }).strict(),
    z.object({ type: z.literal("basic"), username: z.string().min(1), password: secret }).strict(),
    z
      .object({
        type: z.literal("oauth2"),
        tokenUrl: z.string().url(),
        clientId: z.string().min(1),
        clientSecret: secret,
        scope: z.string().optional(),
      })
      .strict(),
  ]);
}
export const ZAuthInput = authSchema(ZSecretInput);
export const ZAuthEdit = authSchema(ZSecretEdit);

/** A target's fields but its authentication. */
export const ZTargetFields = z.object({
  /** the SCIM base URL; /Users, /Groups and /ServiceProviderConfig are below it */
  url: z.string().url().refine((u) => /^https?:/i.test(u), "must be an http(s) URL"),
  timeoutMs: z.number().int().positive().default(30_000),
  /** which kind of target this is: its profile fills in every value below left out (lib/scim/profiles.ts) */
  profile: z.enum(TARGET_PROFILES).optional(),
  /** requests in flight at once against this target */
  maxConcurrency: z.number().int().min(1).max(64).default(4),
  /** the target's rate limit, shared by every channel and node sending to its host; left out: the profile's */
  rateLimit: z.object({ requestsPerSecond: z.number().positive().optional(), writesPerMinute: z.number().positive().optional(), burst: z.number().int().positive().optional() }).strict().optional(),
  /** at most this many members in one group PATCH (or create); left out: the profile's (generic: 200) */
  membersPerPatch: z.number().int().min(1).max(10_000).optional(),
  /** resources per page when Ferry lists the target (inventory, reconciliation); left out: the profile's */
  pageSize: z.number().int().min(1).max(10_000).optional(),
  /** PATCH for updates: auto = as /ServiceProviderConfig says */
  usePatch: z.enum(["auto", "always", "never"]).default("auto"),
  /**
   * How a user not yet linked is matched by userName: lookup-first asks the target
   * (GET ?filter=userName eq …) before creating; create-first creates straight away and
   * links the existing user when the target answers 409 uniqueness, which RFC 7643
   * requires of userName. create-first halves a first load's requests; use it only with
   * a target that enforces userName uniqueness. inventory: a first load lists the target's
   * users once, in pages, and matches them in the store (userName case-insensitively, then
   * `inventoryMatch`), so each new user costs one request; later cycles look up first.
   */
  userMatching: z.enum(["inventory", "lookup-first", "create-first"]).default("inventory"),
  /** after userName, what links a target user to a directory user in the inventory, in this order */
  inventoryMatch: z.array(z.enum(INVENTORY_MATCH_KEYS)).max(2).default(["externalId", "emails"]),
  /**
   * How a PATCH changes a typed multi-valued attribute (emails.work): whole = replace the
   * attribute with all its values (every target understands it); by-type = change only
   * the value of that type (`replace emails[type eq "work"].value`, `add` for a new type),
   * leaving the others alone, for targets that take value-path filters (RFC 7644 §3.5.2)
   */
  multiValuePatch: z.enum(["whole", "by-type"]).default("whole"),
  /** transient failures retried within one push before the record is left dirty */
  maxRetries: z.number().int().min(0).max(10).default(3),
});

export const ZTargetInput = ZTargetFields.extend({ auth: ZAuthInput }).strict();
export const ZTargetEdit = ZTargetFields.extend({ auth: ZAuthEdit }).strict();

/**
 * A mapping expression (lib/mapping/expression/, docs/channel-file.md): parsed and
 * type-checked here, so a channel with a broken one is refused when saved, the problem
 * named with its line and column.
 */
export const ZExpression = z.string().min(1).superRefine((source, ctx) => {
  const checked = checkExpression(source);
  if (!checked.ok) {
    const p = checked.problem;
    ctx.addIssue({ code: "custom", message: `expression error at line ${p.line}, column ${p.column}: ${p.message}` });
  }
});

/** How one SCIM attribute gets its value. A bare string names an LDAP attribute. */
export const ZMappingValue = z.union([
  z.string().min(1),
  z.object({ attribute: z.string().min(1), transform: z.enum(["lower", "upper", "none"]).default("none") }).strict(),
  z.object({ template: z.string().min(1) }).strict(),
  z.object({ literal: z.union([z.string(), z.boolean(), z.number()]) }).strict(),
  /** a CEL expression over the entry's attributes */
  z.object({ expression: ZExpression }).strict(),
  /** an LDAP attribute holding the DN of another user of the channel (manager): sent as that user's SCIM id, under <key>.value */
  z.object({ reference: z.string().regex(LDAP_ATTRIBUTE_NAME, "must name an LDAP attribute holding a DN, such as manager") }).strict(),
]);
export type TMappingValue = z.infer<typeof ZMappingValue>;

export const ZMapping = z
  .record(z.string().regex(/^[A-Za-z0-9:._-]+$/, "must be a SCIM attribute path such as name.givenName or emails.work"), ZMappingValue)
  .refine((m) => "userName" in m, "the mapping must give userName: it is how users are matched at the service provider")
  .superRefine((m, ctx) => {
    for (const [key, spec] of Object.entries(m)) {
      if (typeof spec === "object" && "reference" in spec && key.endsWith(".value")) {
        ctx.addIssue({ code: "custom", path: [key], message: "a reference names the complex attribute (…:User:manager): its SCIM id is sent as its value" });
      }
    }
  });
export type TMapping = z.infer<typeof ZMapping>;

/** How a group's attributes get their values: displayName (how groups are matched) and externalId. */
export const ZGroupMapping = z
  .object({ displayName: ZMappingValue, externalId: ZMappingValue.optional() })
  .strict()
  .superRefine((m, ctx) => {
    for (const [key, spec] of Object.entries(m)) {
      if (typeof spec === "object" && "reference" in spec) ctx.addIssue({ code: "custom", path: [key], message: "a group's attribute cannot be a reference to a user" });
    }
  });
export type TGroupMapping = z.infer<typeof ZGroupMapping>;

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
    /**
     * a cycle that would deprovision more than this many users (or delete more groups) is
     * held whatever the share (Entra's accidental-deletions threshold); 0 = no count limit
     */
    maxDeprovisionCount: z.number().int().min(0).default(500),
    /** failing cycles in a row before the channel is quarantined (waits 5 min, 15 min, 1 h, then 4 h between tries); 0 = never */
    quarantineAfterFailures: z.number().int().min(0).max(100).default(3),
    /** a record the target keeps refusing waits 1, 2, 4 … minutes between tries, at most this long; 0 = try every cycle */
    recordRetryMaxSec: z.number().int().min(0).max(7 * 24 * 3600).default(3600),
    /**
     * On a full reconciliation, read the target's users (in pages) and set back mapped
     * attributes edited there by hand (the directory overwrites the target).
     */
    enforceUserAttributes: z.boolean().default(true),
    /**
     * Groups nested in a provisioned group: flatten = its members at the target are every
     * user reachable through nested groups; direct = only its direct user members. Left
     * out, it is decided when the channel is resolved (resolve.ts): flatten for Active
     * Directory, direct for the others (directory-defaults.ts: nestedGroupsFor).
     */
    nestedGroups: z.enum(NESTED_GROUPS).optional(),
    /** a user disabled at the target is removed from its target groups (remove) or left in them (keep) */
    deprovisionedMemberships: z.enum(["remove", "keep"]).default("remove"),
    /**
     * externalId is the directory's GUID (source.guidAttribute) unless the mapping gives it:
     * a stable key the target can match on, which no rename changes. false: no externalId
     */
    externalIdFromGuid: z.boolean().default(true),
  })
  .strict();
export type TOptions = z.infer<typeof ZOptions>;
/** The options as stored and read back: every default decided, the directory type's too. */
export type TStoredOptions = TOptions & { nestedGroups: TNestedGroups };

function channelSchema<S extends z.ZodType, T extends z.ZodType>(source: S, target: T) {
  return z
    .object({
      name: z.string().min(1).max(100),
      connectionId: z.string().min(1).max(200),
      active: z.boolean().default(true),
      connectionActive: z.boolean().default(true),
      syncFrequencySec: z.number().int().min(1).default(60),
      source,
      target,
      mapping: ZMapping.optional(),
      groupMapping: ZGroupMapping.optional(),
      options: ZOptions.default(ZOptions.parse({})),
    })
    .strict();
}

/** A channel file (docs/channel-file.md). */
export const ZChannelFile = channelSchema(ZSourceInput, ZTargetInput);
export type TChannelFile = z.input<typeof ZChannelFile>;
export type TChannelFileParsed = z.output<typeof ZChannelFile>;

/** A channel as the console and the API create or change it: a channel file whose secrets are kept or replaced. */
export const ZChannelEdit = channelSchema(ZSourceEdit, ZTargetEdit);
export type TChannelEdit = z.output<typeof ZChannelEdit>;
export type TSourceEdit = z.output<typeof ZSourceEdit>;
export type TTargetEdit = z.output<typeof ZTargetEdit>;
