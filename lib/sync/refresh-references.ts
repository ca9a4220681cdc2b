// Users whose mapping refers to other users (a `reference` value: the manager) are pushed
// again when one of those users gains or loses its SCIM id: a report provisioned before
// its manager gets the manager once the manager is created; one whose manager was
// removed from the target loses it. Their values are mapped again from the attributes
// last read (the directory did not change), and only those whose sent reference would
// differ from what the target acknowledged are marked. Runs in the push's write, right
// after the outcomes that changed the ids, so the marks and the ids change together.
import type { TSql } from "../db/index.ts";
import { hashValues, mapEntry, MappingError, sameValue, type TFlatValues } from "../mapping/map-entry.ts";
import { referencedDns, referenceKeys, resolvedKey, resolveReferences } from "../mapping/references.ts";
import { cleanReportsOf, markReportsDirty, scimIdsByDn } from "../records/user-references.ts";
import type { TCycleContext } from "./context.ts";

/** The users referring to these DNs whose references now resolve differently, marked for an update; how many. */
export async function refreshReports(tx: TSql, ctx: TCycleContext, dns: string[]): Promise<number> {
  const mapping = ctx.cfg.mapping.user;
  const keys = referenceKeys(mapping);
  if (keys.length === 0 || dns.length === 0) return 0;
  const reports = await cleanReportsOf(tx, ctx.channel.id, dns);
  const mapped: Array<{ id: bigint; values: TFlatValues; pushed: Record<string, unknown> | null }> = [];
  for (const r of reports) {
    try {
      mapped.push({ id: r.id, values: mapEntry({ dn: r.dn, attrs: r.ldapAttributes ?? {} }, mapping), pushed: r.pushedValues });
    } catch (err) {
      if (!(err instanceof MappingError)) throw err;
      // its next read reports the failing value; nothing to refresh meanwhile
    }
  }
  const ids = await scimIdsByDn(tx, ctx.channel.id, mapped.flatMap((m) => referencedDns(m.values, keys)));
  const marks = mapped
    .filter((m) => {
      const sent = resolveReferences(m.values, keys, (dn) => ids.get(dn));
      return keys.some((k) => !sameValue(sent[resolvedKey(k)], m.pushed?.[resolvedKey(k)] as TFlatValues[string] | undefined));
    })
    .map((m) => ({ id: m.id, pendingValues: { ...m.values, active: true }, pendingHash: hashValues(m.values) }));
  const n = await markReportsDirty(tx, marks);
  if (n > 0) ctx.log.info("users referring to a user who gained or lost its SCIM id marked for an update", { users: n });
  return n;
}

/** How a page of pushes turns references into SCIM ids: one lookup for the page. */
export async function referenceResolver(db: TSql, ctx: TCycleContext, pages: Array<{ pendingValues: TFlatValues | null }>): Promise<(values: TFlatValues) => TFlatValues> {
  const keys = referenceKeys(ctx.cfg.mapping.user);
  if (keys.length === 0) return (v) => v;
  const ids = await scimIdsByDn(db, ctx.channel.id, pages.flatMap((p) => (p.pendingValues ? referencedDns(p.pendingValues, keys) : [])));
  return (values) => resolveReferences(values, keys, (dn) => ids.get(dn));
}
