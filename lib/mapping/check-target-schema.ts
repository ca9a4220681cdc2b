// A mapping held against the target's own schemas (GET /Schemas, lib/scim/schemas.ts):
// every mapped attribute must exist there (an extension's schema too), be writable, and
// take the kind of value the mapping gives — a text for a boolean or an integer, one
// value for a multi-valued attribute, a value for a complex attribute are what a target
// refuses with a 400 on the first push ("Attribute value type 'reference'…"). Pure: the
// save path (lib/channels/check-target-schema.ts) reads the schemas and calls this.
import type { TMapping, TMappingValue } from "../channel-config/config.ts";
import type { TScimAttribute, TScimSchema } from "../scim/schemas.ts";
import { compileExpression, type TResultType } from "./expression/compile.ts";
import { splitUrn, TYPED_MULTI } from "./map-entry.ts";

export type TSchemaIssue = { path: string; message: string };

/** What a mapping value gives, in CEL's terms. */
function valueType(spec: TMappingValue): TResultType {
  if (typeof spec === "string" || "attribute" in spec || "template" in spec || "reference" in spec) return "string";
  if ("literal" in spec) return typeof spec.literal === "boolean" ? "bool" : typeof spec.literal === "number" ? (Number.isInteger(spec.literal) ? "int" : "double") : "string";
  return compileExpression(spec.expression).type;
}

const find = (attrs: TScimAttribute[], name: string) => attrs.find((a) => a.name.toLowerCase() === name.toLowerCase());

/** RFC 7643 §3.1: attributes of every resource, which /Schemas does not list. */
const COMMON: TScimAttribute[] = [
  { name: "externalId", type: "string", multiValued: false, mutability: "readWrite", subAttributes: [] },
  { name: "id", type: "string", multiValued: false, mutability: "readOnly", subAttributes: [] },
  { name: "meta", type: "complex", multiValued: false, mutability: "readOnly", subAttributes: [] },
];

/** Why a value of this CEL type does not fit a SCIM attribute of this type; null when it does. */
function typeProblem(given: TResultType, attr: TScimAttribute, slot: { multi: boolean; needsList: boolean }): string | null {
  const one = given === "list<string>" ? "string" : given;
  if (given === "list<string>" && !slot.multi) return `gives several values, but "${attr.name}" is single-valued at the target: give one (first(…), join(…, ", "))`;
  if (given !== "list<string>" && slot.needsList) return `"${attr.name}" is multi-valued at the target: give a list, as in attrs("x")`;
  switch (attr.type) {
    case "boolean":
      return one === "bool" ? null : `"${attr.name}" is a boolean at the target, and this gives a ${one}: compare it, as in attr("x") == "TRUE"`;
    case "integer":
      return one === "int" ? null : `"${attr.name}" is an integer at the target, and this gives a ${one}: convert it, as in int(attr("x"))`;
    case "decimal":
      return one === "int" || one === "double" ? null : `"${attr.name}" is a decimal at the target, and this gives a ${one}: convert it, as in double(attr("x"))`;
    case "complex":
      return `"${attr.name}" is complex at the target: map one of its sub-attributes (${attr.subAttributes.map((s) => `${attr.name}.${s.name}`).join(", ") || "none listed"})`;
    default:
      // string, reference, dateTime, binary: text
      return one === "string" ? null : `"${attr.name}" takes text (${attr.type}) at the target, and this gives a ${one}: convert it, as in string(…)`;
  }
}

function checkKey(key: string, spec: TMappingValue, schemas: Map<string, TScimSchema>, coreSchema: string): string | null {
  const { schema: urn, path } = splitUrn(key);
  const schemaId = urn ?? coreSchema;
  const schema = [...schemas.values()].find((s) => s.id.toLowerCase() === schemaId.toLowerCase());
  if (!schema) return urn ? `the target has no schema ${urn}` : null; // a target that does not describe its core schema: nothing to check
  const parts = path.split(".");
  const head = find(schema.attributes, parts[0]!) ?? (urn ? undefined : find(COMMON, parts[0]!));
  if (!head) return `the target's ${schema.id} has no attribute "${parts[0]}"`;
  if (head.mutability === "readOnly") return `"${head.name}" is read-only at the target`;
  let leaf = head;
  // whether the slot takes several values, and whether it takes nothing else
  let slot = { multi: head.multiValued, needsList: head.multiValued && head.type !== "complex" };
  if (TYPED_MULTI.has(head.name) && parts.length >= 2 && head.type === "complex") {
    // emails.work[.sub]: an item of that type; its `value` unless a sub-attribute is named
    const sub = find(head.subAttributes, parts[2] ?? "value");
    if (!sub && head.subAttributes.length > 0) return `the target's "${head.name}" has no sub-attribute "${parts[2] ?? "value"}"`;
    leaf = sub ?? { ...head, type: "string", multiValued: false };
    slot = { multi: head.multiValued && parts.length === 2, needsList: false };
  } else if (parts.length >= 2) {
    if (head.type !== "complex") return `"${head.name}" is not complex at the target: it has no "${parts.slice(1).join(".")}"`;
    const sub = find(head.subAttributes, parts[1]!);
    if (!sub) return `the target's "${head.name}" has no sub-attribute "${parts[1]}"`;
    leaf = sub;
    slot = { multi: sub.multiValued, needsList: sub.multiValued };
  } else if (typeof spec === "object" && "reference" in spec) {
    // a reference is sent as <key>.value
    if (head.type !== "complex") return null;
    const sub = find(head.subAttributes, "value");
    if (!sub) return `the target's "${head.name}" has no sub-attribute "value" to hold the referenced user's id`;
    leaf = sub;
    slot = { multi: false, needsList: false };
  }
  if (leaf.mutability === "readOnly") return `"${leaf.name}" is read-only at the target`;
  return typeProblem(valueType(spec), leaf, slot);
}

/** Every mapped attribute the target's schemas refuse, each with its mapping path. */
export function schemaIssues(mapping: Record<string, TMappingValue>, schemas: Map<string, TScimSchema>, coreSchema: string, pathPrefix: string): TSchemaIssue[] {
  const out: TSchemaIssue[] = [];
  for (const [key, spec] of Object.entries(mapping as TMapping)) {
    const problem = checkKey(key, spec, schemas, coreSchema);
    if (problem) out.push({ path: `${pathPrefix}.${key}`, message: `${pathPrefix}.${key}: ${problem}` });
  }
  return out;
}
