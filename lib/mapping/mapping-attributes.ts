// The LDAP attributes a mapping reads, for reads that ask the directory for named
// attributes only (a group's entry): a plain name, a transform's, a template's {names},
// an expression's attr/attrs/present arguments, a reference's.
import type { TMappingValue } from "../channel-config/config.ts";
import { compileExpression } from "./expression/compile.ts";

export function mappingAttributes(mapping: Record<string, TMappingValue | undefined>): string[] {
  const out = new Set<string>();
  for (const spec of Object.values(mapping)) {
    if (spec === undefined) continue;
    if (typeof spec === "string") out.add(spec);
    else if ("attribute" in spec) out.add(spec.attribute);
    else if ("template" in spec) for (const m of spec.template.matchAll(/\{([A-Za-z0-9;_-]+)\}/g)) out.add(m[1]!);
    else if ("expression" in spec) for (const a of compileExpression(spec.expression).attributes) out.add(a);
    else if ("reference" in spec) out.add(spec.reference);
  }
  return [...out];
}
