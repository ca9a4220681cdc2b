// --reset-all: the three resets together.
import type { TActor } from "./actor.ts";
import { resetAttributeSync } from "./reset-attribute-sync.ts";
import { resetGroupTimestamp } from "./reset-group-timestamp.ts";
import { resetValuesHash } from "./reset-values-hash.ts";

export async function resetAll(options: { channelId: number } & TActor) {
  const groupTimestamp = await resetGroupTimestamp(options);
  const attributeSync = await resetAttributeSync(options);
  const valuesHash = await resetValuesHash(options);
  return { groupTimestamp, attributeSync, valuesHash };
}
