// Mapping values that name another user of the channel by its directory DN, as
// Active Directory's and OpenLDAP's `manager` does: `{ reference: "manager" }` under
// `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager`. The read keeps
// the DN (normalised) under the mapping's key; the push turns it into the referenced
// user's SCIM id under `<key>.value`, or leaves it out while that user has none yet.
// When a user gains or loses its SCIM id, the users referring to it are pushed again
// (lib/records/user-references.ts), so a report provisioned before its manager gets the
// manager once the manager exists, and loses it when the manager leaves.
import type { TMapping } from "../channel-config/config.ts";
import type { TFlatValues } from "./map-entry.ts";

/**
 * A DN as references compare it: lower-cased, without spaces around the commas between
 * its RDNs (an escaped comma inside a value, as in CN=Doe\, John, is part of the value).
 */
export function normalizeDn(dn: string): string {
  return dn
    .split(/(?<!\\),/)
    .map((p) => p.trim().toLowerCase())
    .join(",");
}

/** The mapping keys whose values are references. */
export function referenceKeys(mapping: TMapping): string[] {
  return Object.keys(mapping).filter((k) => {
    const spec = mapping[k];
    return typeof spec === "object" && spec !== null && "reference" in spec;
  });
}

/** The SCIM key a resolved reference is sent under: the referenced resource's id is the complex attribute's `value`. */
export function resolvedKey(key: string): string {
  return `${key}.value`;
}

/** The DNs these values refer to, for the keys given. */
export function referencedDns(values: TFlatValues, keys: string[]): string[] {
  const out: string[] = [];
  for (const k of keys) {
    const v = values[k];
    if (typeof v === "string") out.push(v);
  }
  return out;
}

/** The values as sent: each reference's DN replaced by the SCIM id `scimIdOf` knows for it, or left out. */
export function resolveReferences(values: TFlatValues, keys: string[], scimIdOf: (dn: string) => string | undefined): TFlatValues {
  if (keys.length === 0) return values;
  const out: TFlatValues = { ...values };
  for (const k of keys) {
    const dn = out[k];
    if (dn === undefined) continue;
    delete out[k];
    const id = typeof dn === "string" ? scimIdOf(dn) : undefined;
    if (id !== undefined) out[resolvedKey(k)] = id;
  }
  return out;
}
