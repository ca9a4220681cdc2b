// The push half of a cycle for groups: match by displayName, create, rename, and make
// the target's membership equal the directory's with PATCH add/remove deltas sent in
// chunks (large groups are never sent whole). When Ferry cannot be sure what the target
// holds (a linked group, a failed chunk) it reads the target's members first, so the
// directory's membership overwrites whatever the target had.
import { applyGroupOutcomes, desiredMembers, fetchDirtyGroups, type TDirtyGroup, type TGroupOutcomes } from "../records/group-records.ts";
import type { ScimClient } from "../scim/client.ts";
import { isRecordFault, ScimError } from "../scim/errors.ts";
import { withRecord } from "../provisioning-log/context.ts";
import type { TPatchOp } from "../scim/protocol.ts";
import { recordBackoffSec } from "../health/channel-health.ts";
import { resolveTargetProfile } from "../scim/profiles.ts";
import { forgetInventory, matchInventoryGroup } from "../records/target-inventory.ts";
import { TargetClashError, targetGuard, type TClaimGuard } from "../records/target-claims.ts";
import type { TCycleContext } from "./context.ts";
import { isSizeRefusal, MemberChunkSize, sendInChunks } from "./member-chunks.ts";

/** What one group's push ended with; written to the store with the rest of its page. */
type TGroupOutcome =
  | { id: bigint; kind: "deleted" }
  | { id: bigint; kind: "synced"; scimId: string; name: string; externalId?: string; memberUserIds: bigint[] }
  | { id: bigint; kind: "failed"; error: string; recordFault: boolean };

const PAGE = 50;

export async function pushGroups(ctx: TCycleContext, client: ScimClient): Promise<void> {
  const { db, channel } = ctx;
  if (!ctx.cfg.options.provisionGroups) return;
  const usePatch = await client.usePatch();
  // members per request: the profile's or the channel's own, or less where the target refused more before
  const sizer = new MemberChunkSize(membersPerRequest(ctx));
  // a first load with the target's inventory finds existing groups in the store, not by asking
  const finder = groupFinder(ctx, client);
  // a group another channel at this target holds is never linked (lib/records/target-claims.ts)
  const guard = await targetGuard(db, channel.id, ctx.cfg.target.url, "group");
  // as for users: while one page's outcomes are written, the next page's requests run
  let previous: Promise<void> | null = null;
  let after = 0n;
  for (;;) {
    const rows = await fetchDirtyGroups(db, channel.id, after, PAGE);
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    await ctx.lease.guard();
    const { desired, acked } = await membersOf(ctx, rows);
    // linked by another channel at this target too (before the guard): not written from here
    const held = await guard.heldElsewhere(rows.flatMap((g) => (g.scimId ? [g.scimId] : [])));
    const pushes = Promise.all(
      rows.map((g) =>
        withRecord({ kind: "group", id: g.id, name: g.providerName, guid: g.guid, action: g.pendingAction }, async () => {
          const holder = g.scimId ? held.get(g.scimId) : undefined;
          if (holder) throw new TargetClashError("group", g.pendingValues?.displayName ?? g.providerName ?? g.dn, holder, true);
          return pushGroup(client, g, sizer, finder, guard.claim, usePatch, desired.get(g.id) ?? new Map(), acked.get(g.id));
        })
          .catch((err: unknown) => failedOutcome(g, err))
          .then((o) => {
            ctx.stats.sent++;
            return o;
          }),
      ),
    );
    if (previous) await previous;
    previous = pushes.then((outcomes) => recordGroupOutcomes(ctx, rows, outcomes));
    // awaited (and thrown) above or below; never an unhandled rejection meanwhile
    previous.catch(() => undefined);
  }
  if (previous) await previous;
  await rememberSize(ctx, sizer);
}

/** Members per group write: as configured (target field, else profile), or what the target took after refusing more. */
export function membersPerRequest(ctx: Pick<TCycleContext, "cfg" | "channel">): number {
  const configured = resolveTargetProfile(ctx.cfg.target).membersPerPatch;
  const learned = ctx.channel.membersPerPatchLearned;
  return learned != null && learned > 0 ? Math.min(configured, learned) : configured;
}

/** A size the target refused is not tried again: the size it took is stored for the channel's next cycles. */
async function rememberSize(ctx: TCycleContext, sizer: MemberChunkSize): Promise<void> {
  const learned = sizer.learned;
  if (learned === null) return;
  ctx.log.warn("the target refused group writes for their size; smaller ones went through and are kept for this channel", {
    refused: sizer.configured,
    took: learned,
  });
  await ctx.lease.write((tx) => tx.channel.update({ where: { id: ctx.channel.id }, data: { membersPerPatchLearned: learned } }));
  ctx.channel.membersPerPatchLearned = learned;
}

type TGroupFinder = (displayName: string) => Promise<{ id: string } | null>;

function groupFinder(ctx: TCycleContext, client: ScimClient): TGroupFinder {
  if (!ctx.channel.inventoryMatching) return (name) => client.groups.findByName(name);
  return async (name) => {
    const match = await matchInventoryGroup(ctx.db, ctx.channel.id, name);
    // two target groups of that name: the lookup reports the conflict
    if (match === "ambiguous") return client.groups.findByName(name);
    return match ? { id: match } : null;
  };
}

/** Creates the group with as many of its members as the target takes in one request; the rest follow as PATCH adds. */
async function createGroup(client: ScimClient, name: string, ids: string[], sizer: MemberChunkSize, extra: { externalId?: string }) {
  for (;;) {
    const first = ids.slice(0, sizer.size);
    try {
      const created = await client.groups.create(name, first, extra);
      sizer.tookAt(first.length);
      return { created, first };
    } catch (err) {
      if (first.length <= 1 || !isSizeRefusal(err)) throw err;
      sizer.refusedAt(first.length);
    }
  }
}

/**
 * For a page of groups, in two queries: the users each group should hold at the target
 * (desiredMembers: its provisioned members, without the inactive ones when
 * deprovisionedMemberships is remove), and, where Ferry can trust it, what the target
 * acknowledged last time.
 */
async function membersOf(ctx: TCycleContext, rows: TDirtyGroup[]) {
  const ids = rows.filter((g) => g.pendingAction !== "DELETE").map((g) => g.id);
  const trusted = rows.filter((g) => g.pendingAction !== "DELETE" && g.scimId && !g.resyncMembers).map((g) => g.id);
  const desired = await desiredMembers(ctx.db, ids, ctx.cfg.options.deprovisionedMemberships === "remove");
  const acked = new Map<bigint, Set<string>>();
  if (trusted.length > 0) {
    const rs = await ctx.db.$queryRawUnsafe<Array<{ groupId: bigint; scimId: string }>>(
      `SELECT m.group_id AS "groupId", u.scim_id AS "scimId" FROM group_member m JOIN user_record u ON u.id = m.user_id
       WHERE m.group_id = ANY($1::bigint[]) AND u.scim_id IS NOT NULL`,
      trusted,
    );
    for (const id of trusted) acked.set(id, new Set());
    for (const r of rs) acked.get(r.groupId)!.add(r.scimId);
  }
  return { desired, acked };
}

/** A group push that failed: the group stays dirty with the error. */
function failedOutcome(g: TDirtyGroup, err: unknown): TGroupOutcome {
  const message = err instanceof ScimError ? `${err.kind}: ${err.message}` : (err as Error).message;
  return { id: g.id, kind: "failed", error: message, recordFault: isRecordFault(err) };
}

/** Writes a page of group outcomes in one transaction. A failure keeps the group dirty with its error. */
async function recordGroupOutcomes(ctx: TCycleContext, rows: TDirtyGroup[], outcomes: TGroupOutcome[]): Promise<void> {
  const { stats, log } = ctx;
  const written: TGroupOutcomes = { deleted: [], synced: [], failed: [] };
  outcomes.forEach((o, i) => {
    const g = rows[i]!;
    if (o.kind === "failed") {
      written.failed.push({ id: o.id, error: o.error, retryInSec: o.recordFault ? recordBackoffSec(g.attempts + 1, ctx.cfg.options.recordRetryMaxSec) : 0 });
      stats.failed++;
      if (!o.recordFault) stats.targetFailed++;
      if (stats.sampleErrors.length < 3) stats.sampleErrors.push(`group ${g.providerName ?? g.dn}: ${o.error}`);
      log.warn("group push failed; record stays dirty", { group: g.providerName, action: g.pendingAction, error: o.error });
      return;
    }
    stats.pushed[`GROUP_${g.pendingAction}`] = (stats.pushed[`GROUP_${g.pendingAction}`] ?? 0) + 1;
    if (o.kind === "deleted") written.deleted.push(o.id);
    else written.synced.push(o);
  });
  const deleted = outcomes.flatMap((o, i) => (o.kind === "deleted" && rows[i]!.scimId ? [rows[i]!.scimId!] : []));
  await ctx.lease.write(async (tx) => {
    await applyGroupOutcomes(tx, written);
    // deleted at the target by Ferry: not an unmanaged group of the inventory either
    await forgetInventory(tx, ctx.channel.id, "group", deleted);
  });
}

/**
 * A group not at the target yet: created with its first chunk of members. A 409
 * uniqueness answer (a target whose filter missed it) links the group of that name
 * instead. Whatever it ends with is claimed for this channel first: a group another
 * channel holds (found after a lost answer or a 409) is refused before any other write.
 */
async function createOrLink(
  client: ScimClient,
  g: TDirtyGroup,
  name: string,
  ids: string[],
  sizer: MemberChunkSize,
  claim: TClaimGuard,
  extra: { externalId?: string },
): Promise<{ id: string; current: Set<string> | null; conflictLinked: boolean }> {
  try {
    const { created, first } = await createGroup(client, name, ids, sizer, extra);
    await claim(g.id, name, created.id);
    return { id: created.id, current: created.linked ? null : new Set(first), conflictLinked: false };
  } catch (err) {
    if (!(err instanceof ScimError && err.kind === "conflict" && err.status === 409)) throw err;
    const again = await client.groups.findByName(name);
    if (!again) throw err;
    await claim(g.id, name, again.id);
    return { id: again.id, current: null, conflictLinked: true };
  }
}

async function pushGroup(
  client: ScimClient,
  g: TDirtyGroup,
  sizer: MemberChunkSize,
  findByName: TGroupFinder,
  claim: TClaimGuard,
  usePatch: boolean,
  desired: Map<string, bigint>,
  acked: Set<string> | undefined,
): Promise<TGroupOutcome> {
  if (g.pendingAction === "DELETE") {
    if (g.scimId) await client.groups.delete(g.scimId);
    return { id: g.id, kind: "deleted" };
  }
  const name = g.pendingValues?.displayName ?? g.providerName;
  if (!name) throw new Error("group has no displayName");
  const externalId = g.pendingValues ? g.pendingValues.externalId : g.pushedValues?.externalId;
  const extra = externalId !== undefined ? { externalId } : {};
  let scimId = g.scimId;
  let existingLinked = false;
  let current: Set<string> | null = null;

  if (!scimId) {
    const existing = await findByName(name);
    if (existing) {
      // another channel's group of that name at this target is refused before anything is sent
      await claim(g.id, name, existing.id);
      scimId = existing.id;
      existingLinked = true;
    } else {
      // create with at most one chunk of members; the rest follow as PATCH adds below
      const made = await createOrLink(client, g, name, [...desired.keys()], sizer, claim, extra);
      scimId = made.id;
      existingLinked = made.conflictLinked;
      // linked after a lost answer or a 409: its members are read below
      current = made.current;
    }
  }

  if (current === null) {
    if (g.scimId && acked) {
      current = acked;
    } else {
      const remote = await client.groups.get(scimId);
      if (!remote) {
        // gone at the target: create it again
        const { created, first } = await createGroup(client, name, [...desired.keys()], sizer, extra);
        await claim(g.id, name, created.id);
        scimId = created.id;
        current = created.linked ? new Set(((await client.groups.get(scimId))?.members ?? []).map((m) => m.value)) : new Set(first);
      } else {
        current = new Set((remote.members ?? []).map((m) => m.value));
      }
    }
  }

  const renamed = g.pushedValues?.displayName !== name && g.scimId !== null;
  // a new externalId (or one the group was linked without) is sent; one no longer mapped is removed
  const externalChanged = g.pushedValues?.externalId !== externalId && (g.scimId !== null || existingLinked);
  const add = [...desired.keys()].filter((id) => !current.has(id));
  const remove = [...current].filter((id) => !desired.has(id));

  if (usePatch) {
    if (renamed || (externalChanged && externalId !== undefined)) {
      await client.groups.patch(scimId, [{ op: "replace", value: { ...(renamed ? { displayName: name } : {}), ...extra } }]);
    }
    if (externalChanged && externalId === undefined && g.scimId !== null) await client.groups.patch(scimId, [{ op: "remove", path: "externalId" }]);
    const id = scimId;
    await sendInChunks(add, sizer, (chunk) => client.groups.patch(id, [{ op: "add", path: "members", value: chunk.map((value) => ({ value })) }]));
    await sendInChunks(remove, sizer, (chunk) => client.groups.patch(id, chunk.map((m): TPatchOp => ({ op: "remove", path: `members[value eq "${m}"]` }))));
  } else if (renamed || externalChanged || add.length > 0 || remove.length > 0) {
    await client.groups.put(scimId, name, [...desired.keys()], extra);
  }
  return { id: g.id, kind: "synced", scimId, name, ...extra, memberUserIds: [...desired.values()] };
}
