// "Test target" for a stored channel (provmgr --test-target, POST /channels/{id}/test-target):
// the console's test with the channel's own settings, its secret kept from the store, and
// the profile's required attributes held against the channel's mapping.
import type { TTargetEdit } from "../channel-config/config.ts";
import { readStoredChannel } from "../channel-config/stored.ts";
import { resolveTargetProfile } from "../scim/profiles.ts";
import { mappingWarnings } from "../scim/suggest-profile.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";
import { testTargetConnection, type TTargetTestResult } from "./test-target-connection.ts";

export async function testStoredTarget(options: { channelId: number } & TActor): Promise<TTargetTestResult> {
  const ch = await requireChannel(options.channelId);
  const stored = readStoredChannel(ch);
  const { auth, ...target } = stored.target;
  const keep = { keep: true } as const;
  const editAuth: TTargetEdit["auth"] =
    auth.type === "bearer" ? { type: "bearer", token: keep } : auth.type === "basic" ? { type: "basic", username: auth.username, password: keep } : { ...auth, clientSecret: keep };
  const r = await testTargetConnection({ ...options, target: { ok: true, value: { ...target, auth: editAuth } } });
  // the stored channel has a mapping too: what its profile requires and the mapping does not give
  return r.ok ? { ...r, warnings: [...r.warnings, ...mappingWarnings(resolveTargetProfile(stored.target), Object.keys(stored.mapping.user))] } : r;
}
