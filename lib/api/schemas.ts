// Request schemas of the /api/v1 routes, shared by the routes (validation) and the
// OpenAPI document (description). Response shapes are the lib functions' return types.
import { z } from "zod";
import { ROLES } from "../auth/roles.ts";
import { ZChannelEdit, ZMapping, ZSourceEdit, ZTargetEdit } from "../channel-config/config.ts";
import { testSettings } from "../channels/connection-test-config.ts";
import { CHANNEL_OPERATION_IDS } from "../channels/operations.ts";
import { ZAuditCursor } from "../audit/list-audit.ts";
import { ZRecordCursor } from "../channels/list-records.ts";
import { RECORD_STATES } from "../channels/record-states.ts";
import { parseBigintId } from "../db/bigint-id.ts";
import type { TUserQuery } from "../channels/find-directory-user.ts";

/** Where in a value (a key or a string, at any depth) a NUL character is, or null. */
export function findNul(value: unknown, path: PropertyKey[] = []): PropertyKey[] | null {
  if (typeof value === "string") return value.includes("\0") ? path : null;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = findNul(value[i], [...path, i]);
      if (found) return found;
    }
    return null;
  }
  if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k.includes("\0")) return [...path, k];
      const found = findNul(v, [...path, k]);
      if (found) return found;
    }
  }
  return null;
}

/**
 * What every request value (route params, query, JSON body) passes before its route's
 * schema: PostgreSQL text and jsonb cannot hold a NUL character (22021, 22P05), so a
 * string that carries one, anywhere, is a bad request rather than a failed query.
 */
export const ZRequestValue = z.unknown().superRefine((value, ctx) => {
  const path = findNul(value);
  if (path) ctx.addIssue({ code: "custom", path, message: "must not contain a NUL character" });
});

export const ZIdParams = z.object({ id: z.coerce.number().int().positive() });
export const ZRecordParams = z.object({
  id: z.coerce.number().int().positive(),
  recordId: z.string().refine((s) => parseBigintId(s) !== null, "a record id is a number"),
});
export const ZOperationParams = z.object({ id: z.coerce.number().int().positive(), operation: z.enum(CHANNEL_OPERATION_IDS) });

export const ZHoldParams = z.object({ id: z.coerce.number().int().positive(), holdId: z.string().regex(/^\d{1,19}$/, "a hold id is a number") });

export const ZApproveHoldBody = z.object({
  count: z.number().int().min(1).describe("the number of users (or groups) the hold covers, as you reviewed it; refused if the hold changed since"),
});

export const ZRejectHoldBody = ZApproveHoldBody.extend({
  reason: z.string().trim().max(500).optional().describe("why it is rejected: kept with the hold and in the audit log"),
});

export const ZRecordQuery = z.object({
  q: z.string().max(300).optional().describe("search: part of the provider name, DN or GUID, or an exact SCIM id"),
  state: z.enum(RECORD_STATES).optional(),
  after: ZRecordCursor.optional().describe("nextCursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const ZAuditQuery = z.object({
  channelId: z.coerce.number().int().positive().optional(),
  actor: z.string().max(200).optional(),
  action: z.string().max(200).optional().describe("actions starting with this text"),
  before: ZAuditCursor.optional().describe("nextCursor of the previous page"),
  limit: z.coerce.number().int().min(1).max(200).optional(),
});

export const ZAuditExportQuery = ZAuditQuery.pick({ channelId: true, actor: true, action: true }).extend({
  format: z.enum(["csv", "json"]).default("csv").describe("csv (one row per entry, details as JSON) or json (an array)"),
});

export const ZDeleteChannelBody = z.object({
  confirm: z.string().max(500).describe("the channel's name, exactly: deleting a channel removes its whole internal store"),
});

/** GET /channels/{id}/plan: `full=1` plans a full cycle; `limit` records listed per action */
export const ZPlanQuery = z.object({
  full: z.enum(["1", "true", "0", "false"]).optional().transform((v) => v === "1" || v === "true"),
  limit: z.coerce.number().int().min(1).max(500).optional(),
});

export const ZCyclesQuery = z.object({ limit: z.coerce.number().int().min(1).max(100).optional() });

export const ZSaveChannelBody = z.object({
  config: ZChannelEdit.describe(
    "a channel file (see ChannelFile) whose secrets are each a new value, or { keep: true } for the stored one; a secret left out is kept. A kept secret is used only while the URLs it is sent to keep their scheme, host and port",
  ),
});

const ZTestChannelId = z.number().int().positive().optional().describe("an existing channel, whose stored secrets { keep: true } (or a secret left out) refers to");

export const ZSourceTestBody = z.object({
  channelId: ZTestChannelId,
  config: z
    .object({
      source: testSettings(ZSourceEdit, "source"),
      mapping: ZMapping.optional()
        .catch(undefined)
        .describe("the mapping whose userName the sample shows; one that is missing or not valid yet: the directory type's default"),
    })
    .describe("the channel's source (and mapping) as the channel body gives them; settings that do not validate are answered { ok: false, stage: \"config\" }"),
});

export const ZTargetTestBody = z.object({
  channelId: ZTestChannelId,
  config: z
    .object({ target: testSettings(ZTargetEdit, "target") })
    .describe("the channel's target as the channel body gives it; settings that do not validate are answered { ok: false, stage: \"config\" }"),
});

export const ZChannelStatusBody = z
  .object({ active: z.boolean().optional(), connectionActive: z.boolean().optional() })
  .refine((b) => b.active !== undefined || b.connectionActive !== undefined, "give active and/or connectionActive");

export const ZOperationBody = z.object({
  confirm: z.string().optional().describe("delete-all and delete-all-users: the channel's name"),
});

export const ZCreateConsoleUserBody = z.object({
  username: z.string().min(2).max(100),
  displayName: z.string().max(200).default(""),
  role: z.enum(ROLES),
  password: z.string().min(1).max(200).describe("a first password; the user changes it on first sign-in"),
});

export const ZUpdateConsoleUserBody = z
  .object({ role: z.enum(ROLES).optional(), displayName: z.string().max(200).optional(), disabled: z.boolean().optional() })
  .refine((b) => Object.values(b).some((v) => v !== undefined), "nothing to change");

export const ZResetPasswordBody = z.object({ password: z.string().min(1).max(200) });

export const ZChangeOwnPasswordBody = z.object({ currentPassword: z.string().min(1).max(200), newPassword: z.string().min(1).max(200) });

export const ZCreateApiTokenBody = z.object({
  name: z.string().trim().min(1).max(100),
  role: z.enum(ROLES),
  expiresInDays: z.number().int().min(1).max(3650).nullable().default(null),
});

/** One directory user for explain and provision on demand: a DN, a provider name (uid, sAMAccountName) or a GUID, guessed from its form unless `by` says. */
export const ZUserQueryFields = z.object({
  user: z.string().trim().min(1, "give a DN, a user name or a GUID").max(2000).describe("a DN, a user name (the attribute the mapping's userName reads) or a GUID"),
  by: z.enum(["dn", "name", "guid"]).optional().describe("what `user` is; guessed from its form when left out"),
});
const toQuery = (v: string, by: "dn" | "name" | "guid" | undefined): TUserQuery => (by === "dn" ? { dn: v } : by === "name" ? { name: v } : by === "guid" ? { guid: v } : { auto: v });
export const ZUserQuery = ZUserQueryFields.transform(({ user, by }) => toQuery(user, by));

/** One directory group for explain: a DN, its name (the channel's group name attribute) or a GUID. */
export const ZGroupQueryFields = z.object({
  group: z.string().trim().min(1, "give a DN, a group name or a GUID").max(2000).describe("a DN, a group name (the channel's groupNameAttribute, e.g. cn) or a GUID"),
  by: z.enum(["dn", "name", "guid"]).optional().describe("what `group` is; guessed from its form when left out"),
});
export const ZGroupQuery = ZGroupQueryFields.transform(({ group, by }) => toQuery(group, by));

// ---- the target's inventory and its unmanaged accounts (issue 15) ----
export const ZInventoryQuery = z.object({
  kind: z.enum(["user", "group"]).default("user"),
  ignored: z.enum(["1", "true", "0", "false"]).optional().transform((v) => v === "1" || v === "true"),
  after: z.string().max(1000).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});
export const ZAdoptBody = z.object({
  scimId: z.string().min(1).max(500),
  /** the directory user (user name, DN or GUID as stored); null takes an adoption back */
  user: z.string().min(1).max(1000).nullable(),
});
export const ZIgnoreBody = z.object({ kind: z.enum(["user", "group"]), scimId: z.string().min(1).max(500), ignore: z.boolean().default(true) });

/** POST /channels/{id}/mapping-preview (and /channels/mapping-preview for a channel not saved yet): a directory user through an edited mapping */
export const ZMappingPreviewBody = ZSaveChannelBody.extend({
  user: ZUserQueryFields.shape.user,
  by: ZUserQueryFields.shape.by,
}).transform(({ config, user, by }) => ({ config, user: ZUserQuery.parse({ user, by }) }));
