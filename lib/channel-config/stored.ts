// A channel as the store holds it: every default filled in (resolve.ts), every secret
// encrypted. What is read back from the store is a boundary like a request body: it goes
// through these schemas, never a cast, so a hand-edited or corrupt row is reported
// instead of trusted. The same shape with a secret that may be a value typed for a
// connection test (TSource, TTarget) is what lib/ldap and lib/scim connect with.
import { z } from "zod";
import { ZEncryptedSecret, type TSecret } from "../crypto/secret-types.ts";
import { AppError, formatZodError } from "../errors.ts";
import { authSchema, withOneScope, ZDisabledRule, ZGroupMapping, ZLdapFilter, ZMapping, ZOptions, ZSourceFields, ZTargetFields, type TStoredOptions } from "./config.ts";
import { nestedGroupsFor } from "./directory-defaults.ts";

export const ZStoredSource = withOneScope(
  ZSourceFields.extend({
    bindPassword: ZEncryptedSecret,
    // what the directory type fills in when a channel leaves it out (directory-defaults.ts)
    guidAttribute: z.string(),
    timestampAttribute: z.string(),
    groupChangeAttribute: z.string(),
    userObjectFilter: ZLdapFilter,
    nestedGroups: z.boolean(),
    disabled: ZDisabledRule,
  }).strict(),
);
export type TStoredSource = z.output<typeof ZStoredSource>;

export const ZStoredAuth = authSchema(ZEncryptedSecret);
export type TStoredAuth = z.output<typeof ZStoredAuth>;

export const ZStoredTarget = ZTargetFields.extend({ auth: ZStoredAuth }).strict();
export type TStoredTarget = z.output<typeof ZStoredTarget>;

export const ZStoredMapping = z.object({ user: ZMapping, group: ZGroupMapping }).strict();
export type TStoredMapping = z.output<typeof ZStoredMapping>;

/** A source to connect with: a stored one, or one resolved the same way for a connection test, its secret as typed. */
export type TSource = Omit<TStoredSource, "bindPassword"> & { bindPassword: TSecret };
/** The target's authentication, with its secret stored or typed for a connection test. */
export type TAuth = z.output<ReturnType<typeof authSchema<z.ZodType<TSecret>>>>;
export type TTarget = Omit<TStoredTarget, "auth"> & { auth: TAuth };

/** A whole channel as it is stored. */
export type TChannelConfig = {
  name: string;
  connectionId: string;
  active: boolean;
  connectionActive: boolean;
  syncFrequencySec: number;
  source: TStoredSource;
  target: TStoredTarget;
  mapping: TStoredMapping;
  options: TStoredOptions;
};

type TStoredRow = { id: number; name: string; source: unknown; target: unknown; mapping: unknown; options: unknown };

/** A stored channel's configuration, validated; an invalid row is an INVALID_CONFIG error that names the channel and the fields. */
export function readStoredChannel(row: TStoredRow): Pick<TChannelConfig, "source" | "target" | "mapping" | "options"> {
  const source = ZStoredSource.safeParse(row.source);
  const target = ZStoredTarget.safeParse(row.target);
  const mapping = ZStoredMapping.safeParse(row.mapping);
  const options = ZOptions.safeParse(row.options);
  if (source.success && target.success && mapping.success && options.success) {
    // a channel stored before options.nestedGroups existed gets its directory type's default, as a new one does
    const stored: TStoredOptions = { ...options.data, nestedGroups: nestedGroupsFor(options.data.nestedGroups, source.data.directoryType) };
    return { source: source.data, target: target.data, mapping: mapping.data, options: stored };
  }
  const problems = [
    source.success ? "" : formatZodError(source.error, "source"),
    target.success ? "" : formatZodError(target.error, "target"),
    mapping.success ? "" : formatZodError(mapping.error, "mapping"),
    options.success ? "" : formatZodError(options.error, "options"),
  ];
  throw new AppError("INVALID_CONFIG", `channel ${row.id} (${row.name}) has an invalid stored configuration:\n${problems.filter(Boolean).join("\n")}`);
}

/** The stored source and target of a channel being changed, each null where the row does not read back (nothing can be kept from it). */
export type TStoredParts = { source: TStoredSource | null; target: TStoredTarget | null };

export function readStoredParts(row: { source: unknown; target: unknown }): TStoredParts {
  const source = ZStoredSource.safeParse(row.source);
  const target = ZStoredTarget.safeParse(row.target);
  return { source: source.success ? source.data : null, target: target.success ? target.data : null };
}
