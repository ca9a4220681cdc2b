// "Take inventory": list the channel's target users and groups now, in pages, into the
// store (lib/sync/take-inventory.ts), for the unmanaged accounts list. Read-only at the
// target; audited. A first load takes its own (run-cycle.ts); this one is on demand
// (console, API, provmgr --take-inventory), under the channel's lease (CYCLE_RUNNING while
// a cycle holds it).
import { recordAudit } from "../audit/record-audit.ts";
import { readStoredChannel } from "../channel-config/stored.ts";
import { getDb } from "../db/index.ts";
import { getEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { ScimClient } from "../scim/client.ts";
import { resolveTargetProfile } from "../scim/profiles.ts";
import { Lease, LeaseHeldError } from "../sync/lease.ts";
import { canTakeInventory, takeInventory, type TInventoryResult } from "../sync/take-inventory.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

export async function takeTargetInventory(options: { channelId: number } & TActor): Promise<TInventoryResult & { takenAt: Date | null }> {
  const ch = await requireChannel(options.channelId);
  const cfg = readStoredChannel(ch);
  const effective = resolveTargetProfile(cfg.target);
  if (!canTakeInventory(cfg.target)) {
    throw new AppError("CONFLICT", `channel ${ch.id}: ${effective.data.label} cannot be listed whole (it ignores startIndex), so it has no inventory`);
  }
  const db = await getDb();
  // the channel's lease, as a cycle holds it: never beside a first load taking its own
  // inventory (whose rows this one's end would remove), and a cycle due meanwhile waits
  let lease: Lease;
  try {
    lease = await Lease.acquire({ db, channelId: ch.id, durationSec: getEnv().FERRY_LEASE_SEC });
  } catch (err) {
    if (err instanceof LeaseHeldError) throw new AppError("CYCLE_RUNNING", `a cycle of channel ${ch.id} is running; take the inventory when it ends`, { channelId: ch.id });
    throw err;
  }
  const client = new ScimClient(cfg.target);
  try {
    const r = await takeInventory({ db, writer: lease, channelId: ch.id, client, pageSize: effective.pageSize, groups: true });
    await recordAudit({ ...options, channelId: ch.id, action: "target.inventory", details: { users: r.users, groups: r.groups, requests: r.requests } });
    const after = await db.channel.findUnique({ where: { id: ch.id }, select: { inventoryTakenAt: true } });
    return { ...r, takenAt: after?.inventoryTakenAt ?? null };
  } finally {
    await client.close();
    await lease.release().catch(() => undefined);
  }
}
