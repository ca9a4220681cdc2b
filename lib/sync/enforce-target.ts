// The directory enforced at the target (seed 003: "group memberships in the datastore
// overwrite the group memberships in the target service"). Incremental cycles send what
// changed in the directory; a full reconciliation also reads the target and marks what
// drifted there by hand, so the push that follows sets it back:
//   users   the target's users in pages (GET /Users?startIndex&count), never one GET per
//           user; a provisioned user whose mapped attributes differ from what Ferry last
//           sent is marked dirty with an UPDATE (options.enforceUserAttributes)
//   groups  each provisioned group's members (GET /Groups/{id}?attributes=members), a page
//           of groups at a time; a group whose members differ from the directory's is
//           marked to be re-membered from what the target holds
// Neither ever disables or deletes anyone: they write only UPDATEs of attributes (with
// active true, for users Ferry holds active) and group memberships.
import { driftedValues, type TFlatValues } from "../mapping/map-entry.ts";
import { desiredMembers, markGroupsDrifted, provisionedGroupsPage } from "../records/group-records.ts";
import { enforceableUsers, markUsersDrifted } from "../records/user-records.ts";
import type { ScimClient } from "../scim/client.ts";
import type { TScimResource } from "../scim/resources.ts";
import { ScimError } from "../scim/errors.ts";
import type { TCycleContext } from "./context.ts";

const USER_PAGE = 200;
const GROUP_PAGE = 50;

/**
 * Marks users whose mapped attributes were edited at the target; returns how many. The
 * first page tells the target's page size (it may cap `count`) and its total; the pages
 * after it are asked `maxConcurrency` at a time (each window's pages in memory at once,
 * never more), and each is compared with the store in one query.
 */
export async function enforceUserAttributes(ctx: TCycleContext, client: ScimClient): Promise<number> {
  const { options } = ctx.cfg;
  if (!options.enforceUserAttributes || !options.updateUsers) return 0;
  let marked = 0;
  let read = 0;
  const compare = async (resources: TScimResource[]) => {
    read += resources.length;
    const byId = new Map(resources.map((r) => [r.id, r as Record<string, unknown>]));
    const rows = await enforceableUsers(ctx.db, ctx.channel.id, [...byId.keys()]);
    const drifted: Array<{ id: bigint; held: TFlatValues }> = [];
    for (const row of rows) {
      const held = driftedValues(row.pushedValues, byId.get(row.scimId)!);
      if (Object.keys(held).length > 0) drifted.push({ id: row.id, held });
    }
    if (drifted.length > 0) marked += await ctx.lease.write((tx) => markUsersDrifted(tx, drifted));
  };

  // the listing runs before this cycle writes any user, so it holds still
  await ctx.lease.guard();
  const first = await client.users.page(1, USER_PAGE);
  await compare(first.resources);
  const firstId = first.resources[0]?.id;
  const size = first.resources.length;
  const total = first.total;
  const window = Math.max(1, ctx.cfg.target.maxConcurrency);
  // a target that ignores startIndex would hand back its first page for ever
  const same = (start: number, page: { resources: TScimResource[] }) => {
    if (page.resources[0]?.id === firstId) {
      throw new ScimError("fatal", `GET /Users?startIndex=${start} answered the first page again: the target does not page with startIndex`);
    }
  };
  let start = first.next;
  while (start !== null) {
    await ctx.lease.guard();
    if (total === undefined) {
      // no total to plan pages with: one after the other
      const page = await client.users.page(start, size);
      same(start, page);
      await compare(page.resources);
      start = page.next;
      continue;
    }
    const starts: number[] = [];
    for (let s = start; s <= total && starts.length < window; s += size) starts.push(s);
    const pages = await Promise.all(starts.map((s) => client.users.page(s, size)));
    for (const [i, page] of pages.entries()) {
      const s = starts[i]!;
      same(s, page);
      await compare(page.resources);
      // a page shorter than the first, before the end: the rest of its span one page at a time
      const end = Math.min(s + size, total + 1);
      for (let g = s + page.resources.length; g < end; ) {
        const gap = await client.users.page(g, end - g);
        if (gap.resources.length === 0) break;
        await compare(gap.resources);
        g += gap.resources.length;
      }
    }
    start = starts[starts.length - 1]! + size;
    if (start > total) start = null;
  }
  ctx.stats.drift.usersRead += read;
  ctx.stats.drift.users += marked;
  if (marked > 0) ctx.log.info("users edited at the target are set back", { users: marked });
  return marked;
}

/** Marks groups whose members at the target differ from the directory's; returns how many. */
export async function enforceGroupMembers(ctx: TCycleContext, client: ScimClient): Promise<number> {
  const { options } = ctx.cfg;
  if (!options.provisionGroups) return 0;
  const removeInactive = options.deprovisionedMemberships === "remove";
  let marked = 0;
  let after = 0n;
  for (;;) {
    const groups = await provisionedGroupsPage(ctx.db, ctx.channel.id, after, GROUP_PAGE);
    if (groups.length === 0) break;
    after = groups[groups.length - 1]!.id;
    await ctx.lease.guard();
    const desired = await desiredMembers(ctx.db, groups.map((g) => g.id), removeInactive);
    const held = await Promise.all(groups.map((g) => client.groups.members(g.scimId)));
    ctx.stats.drift.groupsRead += groups.length;
    const drifted = groups.filter((g, i) => {
      const want = desired.get(g.id) ?? new Map<string, bigint>();
      const have = held[i];
      // gone at the target: the push creates it again
      if (have === null || have === undefined) return true;
      const haveSet = new Set(have);
      return haveSet.size !== want.size || [...want.keys()].some((id) => !haveSet.has(id));
    });
    if (drifted.length > 0) marked += await ctx.lease.write((tx) => markGroupsDrifted(tx, drifted.map((g) => g.id)));
  }
  ctx.stats.drift.groups += marked;
  if (marked > 0) ctx.log.info("groups whose members drifted at the target are set back", { groups: marked });
  return marked;
}
