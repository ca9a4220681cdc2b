// What a target says it can do (RFC 7644 §4, GET /ServiceProviderConfig). A target
// without discovery still works with conservative defaults; one that refuses it (401, an
// HTML page, a refused connection) stops the push, since every later request would fail too.
import { z } from "zod";
import { ScimError } from "./errors.ts";
import type { ScimTransport } from "./transport.ts";

/** What /ServiceProviderConfig says; every field has a safe default when it is missing. */
export type TCapabilities = {
  patch: boolean;
  bulk: { supported: boolean; maxOperations: number; maxPayloadSize: number };
  filter: { supported: boolean; maxResults: number };
  raw: unknown;
};

const ZServiceProviderConfig = z
  .object({
    patch: z.object({ supported: z.boolean() }).partial().optional(),
    bulk: z.object({ supported: z.boolean(), maxOperations: z.coerce.number(), maxPayloadSize: z.coerce.number() }).partial().optional(),
    filter: z.object({ supported: z.boolean(), maxResults: z.coerce.number() }).partial().optional(),
  })
  .passthrough();

export async function discover(transport: ScimTransport): Promise<TCapabilities> {
  let raw: unknown = null;
  try {
    raw = (await transport.request({ method: "GET", path: "/ServiceProviderConfig" })).body;
  } catch (err) {
    // a target without discovery still works with conservative defaults; auth or network failures do not
    if (!(err instanceof ScimError) || err.kind !== "not-found") throw err;
  }
  const cfg = ZServiceProviderConfig.safeParse(raw ?? {});
  const c = cfg.success ? cfg.data : {};
  return {
    patch: c.patch?.supported ?? false,
    bulk: {
      supported: c.bulk?.supported ?? false,
      maxOperations: c.bulk?.maxOperations ?? 0,
      maxPayloadSize: c.bulk?.maxPayloadSize ?? 0,
    },
    filter: { supported: c.filter?.supported ?? true, maxResults: c.filter?.maxResults || 100 },
    raw,
  };
}
