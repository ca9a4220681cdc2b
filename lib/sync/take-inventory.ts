// The target's inventory: its users and groups listed once, in pages of the profile's
// size (or target.pageSize), each page stored as it arrives (lib/records/target-inventory.ts),
// so memory holds one page whatever the target's size. Taken before a first load
// (run-cycle.ts, with userMatching: inventory) so that a new user costs one create
// instead of a lookup and a create, and on demand (lib/channels/take-inventory.ts) for
// the unmanaged accounts list. Read-only at the target.
import type { TSql } from "../db/index.ts";
import { finishInventory, storeInventoryPage, type TInventoryKind, type TInventoryRow } from "../records/target-inventory.ts";
import type { ScimClient } from "../scim/client.ts";
import { resolveTargetProfile } from "../scim/profiles.ts";
import type { TScimResource } from "../scim/resources.ts";
import { timed, type TCycleContext, type TStoreWriter } from "./context.ts";
import { FencedError } from "./lease.ts";

export type TInventoryResult = { users: number; groups: number; requests: number; ms: number };

/** Whether the target can be listed whole: a profile whose target ignores startIndex (AWS) cannot. */
export function canTakeInventory(target: Parameters<typeof resolveTargetProfile>[0]): boolean {
  return resolveTargetProfile(target).data.paging !== false;
}

function emailsOf(r: Record<string, unknown>): string[] {
  const list = Array.isArray(r.emails) ? r.emails : [];
  return list.map((e) => String((e as { value?: unknown } | null)?.value ?? "").toLowerCase()).filter(Boolean);
}

function toRow(kind: TInventoryKind, r: TScimResource): TInventoryRow | null {
  const name = kind === "user" ? r.userName : r.displayName;
  if (typeof name !== "string" || name === "") return null;
  const active = typeof r.active === "boolean" ? r.active : null;
  return { scimId: r.id, name, externalId: typeof r.externalId === "string" && r.externalId ? r.externalId : null, emails: kind === "user" ? emailsOf(r) : [], active };
}

type TPager = (startIndex: number, count: number) => Promise<{ resources: TScimResource[]; next: number | null }>;

async function listInto(db: TStoreWriter, channelId: number, kind: TInventoryKind, pager: TPager, pageSize: number, seenAt: Date): Promise<number> {
  let n = 0;
  let start: number | null = 1;
  // the next page is asked for while this one is stored
  let pending = pager(start, pageSize);
  while (start !== null) {
    const page = await pending;
    start = page.next;
    if (start !== null) pending = pager(start, pageSize);
    const rows = page.resources.map((r) => toRow(kind, r)).filter((r): r is TInventoryRow => r !== null);
    await db.write((tx) => storeInventoryPage(tx, channelId, kind, rows, seenAt));
    n += rows.length;
  }
  return n;
}

/** Lists the target's users and groups into the inventory; rows not seen this time are removed at the end. */
export async function takeInventory(opts: { db: TSql; writer: TStoreWriter; channelId: number; client: ScimClient; pageSize: number; groups: boolean }): Promise<TInventoryResult> {
  const t0 = Date.now();
  const before = opts.client.requests;
  const clock = await opts.db.$queryRawUnsafe<Array<{ now: Date }>>(`SELECT now() AS now`);
  const seenAt = clock[0]!.now;
  const users = await listInto(opts.writer, opts.channelId, "user", (s, c) => opts.client.users.page(s, c), opts.pageSize, seenAt);
  const groups = opts.groups ? await listInto(opts.writer, opts.channelId, "group", (s, c) => opts.client.groups.page(s, c), opts.pageSize, seenAt) : 0;
  await opts.writer.write((tx) => finishInventory(tx, opts.channelId, seenAt));
  return { users, groups, requests: opts.client.requests - before, ms: Date.now() - t0 };
}

/**
 * Before a first load's push (userMatching: inventory, a target that can be listed): the
 * inventory, so the push matches in the store. A failed listing is not the first load's
 * failure: the push looks each user up instead, as lookup-first does.
 */
export async function inventoryForFirstLoad(ctx: TCycleContext, client: ScimClient): Promise<void> {
  const { cfg } = ctx;
  if (cfg.target.userMatching !== "inventory" || !canTakeInventory(cfg.target)) return;
  try {
    const r = await timed(ctx.stats, "target.inventory", () =>
      takeInventory({ db: ctx.db, writer: ctx.lease, channelId: ctx.channel.id, client, pageSize: resolveTargetProfile(cfg.target).pageSize, groups: cfg.options.provisionGroups }),
    );
    ctx.channel.inventoryMatching = true;
    ctx.log.info("target inventory taken for the first load", { ...r });
  } catch (err) {
    if (err instanceof FencedError) throw err;
    ctx.log.warn("target inventory failed; the first load looks each user up instead", { error: (err as Error).message });
  }
}
