// The push half of a cycle for groups: match by displayName, create, rename, and make
// the target's membership equal the directory's with PATCH add/remove deltas sent in
// chunks (large groups are never sent whole). When Ferry cannot be sure what the target
// holds (a linked group, a failed chunk) it reads the target's members first, so the
// directory's membership overwrites whatever the target had.
import type { TPatchOp } from "../mapping/map-entry.ts";
import { ScimError, type ScimClient } from "../scim/client.ts";
import type { TCycleContext } from "./context.ts";
import { FencedError } from "./lease.ts";

type TDirtyGroup = {
  id: bigint;
  dn: string;
  scimId: string | null;
  providerName: string | null;
  targetState: string;
  sourceState: string;
  pendingAction: string;
  pendingValues: { displayName?: string } | null;
  pushedValues: { displayName?: string } | null;
  resyncMembers: boolean;
};

export async function pushGroups(ctx: TCycleContext, client: ScimClient): Promise<void> {
  const { db, channel, stats, log } = ctx;
  if (!ctx.cfg.options.provisionGroups) return;
  const usePatch = await client.usePatch();
  let after = 0n;
  for (;;) {
    const rows = await db.$queryRawUnsafe<TDirtyGroup[]>(
      `SELECT id, dn, scim_id AS "scimId", provider_name AS "providerName", target_state::text AS "targetState",
         source_state::text AS "sourceState", pending_action::text AS "pendingAction", pending_values AS "pendingValues",
         pushed_values AS "pushedValues", resync_members AS "resyncMembers"
       FROM group_record WHERE channel_id = $1 AND dirty AND pending_action <> 'NONE' AND id > $2 ORDER BY id LIMIT 50`,
      channel.id,
      after,
    );
    if (rows.length === 0) break;
    after = rows[rows.length - 1]!.id;
    await ctx.lease.guard();
    await Promise.all(
      rows.map(async (g) => {
        try {
          await pushGroup(ctx, client, g, usePatch);
          stats.pushed[`GROUP_${g.pendingAction}`] = (stats.pushed[`GROUP_${g.pendingAction}`] ?? 0) + 1;
        } catch (err) {
          if (err instanceof FencedError) throw err;
          stats.failed++;
          const message = err instanceof ScimError ? `${err.kind}: ${err.message}` : (err as Error).message;
          if (stats.sampleErrors.length < 3) stats.sampleErrors.push(`group ${g.providerName ?? g.dn}: ${message}`);
          log.warn("group push failed; record stays dirty", { group: g.providerName, action: g.pendingAction, error: message });
          await ctx.lease.write((tx) =>
            tx.$executeRawUnsafe(
              `UPDATE group_record SET last_error = $2, attempts = attempts + 1, last_attempt_at = now(), resync_members = true, updated_at = now() WHERE id = $1`,
              g.id,
              message,
            ),
          );
        }
      }),
    );
  }
}

/** The users this group should hold at the target: its member DNs that are provisioned. */
async function desiredMembers(ctx: TCycleContext, groupId: bigint): Promise<Map<string, bigint>> {
  const rows = await ctx.db.$queryRawUnsafe<Array<{ id: bigint; scimId: string }>>(
    `SELECT u.id, u.scim_id AS "scimId" FROM group_record g
       JOIN user_record u ON u.channel_id = g.channel_id AND lower(u.dn) = ANY(g.member_dns)
     WHERE g.id = $1 AND u.scim_id IS NOT NULL AND u.target_state <> 'ABSENT'`,
    groupId,
  );
  return new Map(rows.map((r) => [r.scimId, r.id]));
}

async function pushGroup(ctx: TCycleContext, client: ScimClient, g: TDirtyGroup, usePatch: boolean): Promise<void> {
  const { db, cfg } = ctx;
  if (g.pendingAction === "DELETE") {
    if (g.scimId) await client.deleteResource("Groups", g.scimId);
    await ctx.lease.write((tx) => tx.$executeRawUnsafe(`DELETE FROM group_record WHERE id = $1`, g.id));
    return;
  }
  const name = g.pendingValues?.displayName ?? g.providerName;
  if (!name) throw new Error("group has no displayName");
  const desired = await desiredMembers(ctx, g.id);
  const chunk = cfg.target.membersPerPatch;
  let scimId = g.scimId;
  let current: Set<string> | null = null;

  if (!scimId) {
    const existing = await client.findGroupByName(name);
    if (existing) {
      scimId = existing.id;
    } else {
      // create with at most one chunk of members; the rest follow as PATCH adds below
      const first = [...desired.keys()].slice(0, chunk);
      const created = await client.createGroup(name, first);
      scimId = created.id;
      current = new Set(first);
    }
  }

  if (current === null) {
    if (g.scimId && !g.resyncMembers) {
      const acked = await db.$queryRawUnsafe<Array<{ scimId: string }>>(
        `SELECT u.scim_id AS "scimId" FROM group_member m JOIN user_record u ON u.id = m.user_id WHERE m.group_id = $1 AND u.scim_id IS NOT NULL`,
        g.id,
      );
      current = new Set(acked.map((a) => a.scimId));
    } else {
      const remote = await client.getGroup(scimId);
      if (!remote) {
        // gone at the target: create it again
        const first = [...desired.keys()].slice(0, chunk);
        scimId = (await client.createGroup(name, first)).id;
        current = new Set(first);
      } else {
        current = new Set((remote.members ?? []).map((m) => m.value));
      }
    }
  }

  const renamed = g.pushedValues?.displayName !== name && g.scimId !== null;
  const add = [...desired.keys()].filter((id) => !current.has(id));
  const remove = [...current].filter((id) => !desired.has(id));

  if (usePatch) {
    if (renamed) await client.patchGroup(scimId, [{ op: "replace", value: { displayName: name } }]);
    for (let i = 0; i < add.length; i += chunk) {
      const ops: TPatchOp[] = [{ op: "add", path: "members", value: add.slice(i, i + chunk).map((value) => ({ value })) }];
      await client.patchGroup(scimId, ops);
    }
    for (let i = 0; i < remove.length; i += chunk) {
      const ops: TPatchOp[] = remove.slice(i, i + chunk).map((id) => ({ op: "remove", path: `members[value eq "${id}"]` }));
      await client.patchGroup(scimId, ops);
    }
  } else if (renamed || add.length > 0 || remove.length > 0) {
    await client.putGroup(scimId, name, [...desired.keys()]);
  }

  await ctx.lease.write(async (tx) => {
    await tx.$executeRawUnsafe(`DELETE FROM group_member WHERE group_id = $1`, g.id);
    await tx.$executeRawUnsafe(
      `INSERT INTO group_member (group_id, user_id) SELECT $1, unnest($2::bigint[]) ON CONFLICT DO NOTHING`,
      g.id,
      [...desired.values()],
    );
    await tx.$executeRawUnsafe(
      `UPDATE group_record SET scim_id = $2, target_state = 'ACTIVE', dirty = false, pending_action = 'NONE', pending_values = NULL,
         pushed_values = $3::jsonb, resync_members = false, last_error = NULL, attempts = 0, last_attempt_at = now(),
         last_synced_at = now(), updated_at = now() WHERE id = $1`,
      g.id,
      scimId,
      JSON.stringify({ displayName: name }),
    );
  });
}
