// "Test target" for a stored channel (provmgr --test-target, POST /channels/{id}/test-target):
// the console's test with the channel's own settings, its secret kept from the store.
import type { TTargetEdit } from "../channel-config/config.ts";
import { readStoredChannel } from "../channel-config/stored.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";
import { testTargetConnection, type TTargetTestResult } from "./test-target-connection.ts";

export async function testStoredTarget(options: { channelId: number } & TActor): Promise<TTargetTestResult> {
  const ch = await requireChannel(options.channelId);
  const { auth, ...target } = readStoredChannel(ch).target;
  const keep = { keep: true } as const;
  const editAuth: TTargetEdit["auth"] =
    auth.type === "bearer" ? { type: "bearer", token: keep } : auth.type === "basic" ? { type: "basic", username: auth.username, password: keep } : { ...auth, clientSecret: keep };
  return testTargetConnection({ ...options, target: { ok: true, value: { ...target, auth: editAuth } } });
}
