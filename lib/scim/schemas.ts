// What a target says its resources hold (RFC 7643 §7, GET /Schemas): each schema's
// attributes with their types, multiplicity, sub-attributes and mutability. Read when a
// channel is saved, to refuse a mapping the target would refuse on the first push
// (lib/mapping/check-target-schema.ts). A target without /Schemas (404) says nothing:
// null, and nothing is refused.
import { z } from "zod";
import { ScimError } from "./errors.ts";
import type { ScimTransport } from "./transport.ts";

export const SCIM_TYPES = ["string", "boolean", "decimal", "integer", "dateTime", "reference", "binary", "complex"] as const;

export type TScimAttribute = {
  name: string;
  type: string;
  multiValued: boolean;
  mutability: string;
  subAttributes: TScimAttribute[];
};
export type TScimSchema = { id: string; attributes: TScimAttribute[] };

const ZAttribute: z.ZodType<TScimAttribute> = z.lazy(() =>
  z.object({
    name: z.string(),
    type: z.string().default("string"),
    multiValued: z.boolean().default(false),
    mutability: z.string().default("readWrite"),
    subAttributes: z.array(ZAttribute).default([]),
  }),
);
const ZSchema = z.object({ id: z.string(), attributes: z.array(ZAttribute).default([]) });
/** A ListResponse of schemas, or (some targets) a bare array. */
const ZSchemas = z.union([z.object({ Resources: z.array(z.unknown()).default([]) }).transform((l) => l.Resources), z.array(z.unknown())]);

/** The target's schemas, by id; null when it has no /Schemas. Schemas it describes in a form not understood are left out. */
export async function readSchemas(transport: ScimTransport): Promise<Map<string, TScimSchema> | null> {
  let body: unknown;
  try {
    body = (await transport.request({ method: "GET", path: "/Schemas" })).body;
  } catch (err) {
    if (err instanceof ScimError && err.kind === "not-found") return null;
    throw err;
  }
  const list = ZSchemas.safeParse(body);
  if (!list.success) throw new ScimError("fatal", "GET /Schemas: the answer is not a list of schemas");
  const out = new Map<string, TScimSchema>();
  for (const raw of list.data) {
    const s = ZSchema.safeParse(raw);
    if (s.success) out.set(s.data.id, s.data);
  }
  return out;
}
