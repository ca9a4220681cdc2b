// When a channel is saved (console, API, channel file), its mapping is held against the
// target's /Schemas (lib/mapping/check-target-schema.ts): a mapped attribute the target
// lacks, cannot write, or that would get the wrong kind of value is refused then, naming
// the mapping key, rather than by a 400 on every user of the first cycle. A target that
// cannot be asked (down, refusing the credentials, no /Schemas) does not block the save:
// the answer carries a warning saying the mapping was not checked.
import type { TChannelConfig } from "../channel-config/stored.ts";
import { AppError } from "../errors.ts";
import { schemaIssues } from "../mapping/check-target-schema.ts";
import { ScimClient } from "../scim/client.ts";
import { GROUP_SCHEMA, USER_SCHEMA } from "../scim/protocol.ts";

/** Seconds a save waits for the target's /Schemas at most. */
const SCHEMAS_TIMEOUT_MS = 5_000;

/** Refuses (INVALID_CONFIG, an issue per mapping key) a mapping the target's schemas refuse; the warnings when it could not be checked. */
export async function checkTargetSchema(cfg: Pick<TChannelConfig, "target" | "mapping" | "options">): Promise<string[]> {
  const client = new ScimClient({ ...cfg.target, maxRetries: 0, timeoutMs: Math.min(cfg.target.timeoutMs, SCHEMAS_TIMEOUT_MS) });
  let schemas;
  try {
    schemas = await client.schemas();
  } catch (err) {
    return [`the target's /Schemas could not be read (${(err as Error).message}): the mapping was saved without being checked against it`];
  } finally {
    await client.close();
  }
  if (!schemas) return ["the target has no /Schemas: the mapping was saved without being checked against it"];
  const issues = [
    ...schemaIssues(cfg.mapping.user, schemas, USER_SCHEMA, "mapping"),
    ...(cfg.options.provisionGroups ? schemaIssues(cfg.mapping.group, schemas, GROUP_SCHEMA, "groupMapping") : []),
  ];
  if (issues.length > 0) throw new AppError("INVALID_CONFIG", `the target's schemas refuse this mapping:\n${issues.map((i) => `  ${i.message}`).join("\n")}`, { issues });
  return [];
}
