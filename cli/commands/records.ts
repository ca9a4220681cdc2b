// The internal store's records: --show-dirty-*, --clear-dirty-*, --delete-dirty-*,
// --delete-all, --delete-all-users.
import { clearDirtyRecords } from "../../lib/channels/clear-dirty-records.ts";
import { deleteAll as deleteAllLib } from "../../lib/channels/delete-all.ts";
import { deleteDirtyRecords } from "../../lib/channels/delete-dirty-records.ts";
import { listDirtyRecords, type TDirtyRecord } from "../../lib/channels/list-dirty-records.ts";
import type { TRecordKind } from "../../lib/channels/record-kind.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtDate, NONE, oneLine, plural, streamingTable, toJson } from "../format.ts";

const KIND_SUFFIX: Record<TRecordKind, string> = { all: "records", users: "user-records", groups: "group-records" };

function counted(kind: TRecordKind, counts: { users: number; groups: number }, adjective: string): string {
  const parts = [];
  if (kind !== "groups") parts.push(plural(counts.users, `${adjective}user record`));
  if (kind !== "users") parts.push(plural(counts.groups, `${adjective}group record`));
  return parts.join(" and ");
}

export async function showDirty(ctx: TCommandContext, channelId: number, kind: TRecordKind): Promise<TSummary> {
  const command = `show-dirty-${KIND_SUFFIX[kind]}`;
  const counts = { users: 0, groups: 0 };
  const pages = listDirtyRecords({ channelId, kind })[Symbol.asyncIterator]();
  // the first page is read before anything is printed: an unknown channel fails cleanly
  let next = await pages.next();
  const each = async (fn: (page: TDirtyRecord[]) => Promise<void>) => {
    for (; !next.done; next = await pages.next()) {
      for (const r of next.value) (r.kind === "user" ? counts.users++ : counts.groups++);
      await fn(next.value);
    }
  };

  if (ctx.out.json) {
    // one JSON document, written a page at a time
    let sep = "\n    ";
    await ctx.out.write(`{\n  "command": ${toJson(command)},\n  "channelId": ${channelId},\n  "records": [`);
    await each(async (page) => {
      // plain JSON.stringify: a listed record holds no bigint (ids are strings)
      await ctx.out.write(sep + page.map((r) => JSON.stringify(r)).join(",\n    "));
      sep = ",\n    ";
    });
    const shown = kind === "users" ? { users: counts.users } : kind === "groups" ? { groups: counts.groups } : counts;
    await ctx.out.write(`${counts.users + counts.groups > 0 ? "\n  " : ""}],\n  "counts": ${toJson(shown)}\n}\n`);
    return counts;
  }

  // users come first: size TYPE and ACTION for every value they can take, groups included
  const t = streamingTable(["TYPE", "ACTION", "ATTEMPTS", "PROVIDER NAME", "LDAP GUID", "LAST ATTEMPT", "DN", "LAST ERROR"], [5, 7]);
  await each((page) =>
    ctx.out.lines(
      t.page(
        page.map((r) => [
          r.kind,
          r.pendingAction,
          String(r.attempts),
          r.providerName ?? NONE,
          r.guid,
          fmtDate(r.lastAttemptAt),
          r.dn,
          r.lastError ? oneLine(r.lastError) : NONE,
        ]),
      ),
    ),
  );
  const total = counts.users + counts.groups;
  const which = kind === "all" ? "" : kind === "users" ? "user " : "group ";
  await ctx.out.lines([total === 0 ? `No dirty ${which}records in channel ${channelId}.` : `Channel ${channelId}: ${counted(kind, counts, "dirty ")}.`]);
  return counts;
}

export async function clearDirty(ctx: TCommandContext, channelId: number, kind: TRecordKind): Promise<TSummary> {
  const counts = await clearDirtyRecords({ channelId, kind, ...ctx.actor });
  const command = `clear-dirty-${KIND_SUFFIX[kind]}`;
  if (ctx.out.json) await ctx.out.value({ command, channelId, cleared: counts });
  else
    await ctx.out.lines([
      `Channel ${channelId}: dirty flag cleared on ${counted(kind, counts, "")}. What was waiting to be pushed is dropped; a later directory change marks a record again.`,
    ]);
  return counts;
}

export async function deleteDirty(ctx: TCommandContext, channelId: number, kind: TRecordKind): Promise<TSummary> {
  const counts = await deleteDirtyRecords({ channelId, kind, ...ctx.actor });
  const command = `delete-dirty-${KIND_SUFFIX[kind]}`;
  if (ctx.out.json) await ctx.out.value({ command, channelId, deleted: counts });
  else {
    const n = counts.users + counts.groups;
    await ctx.out.lines([
      `Channel ${channelId}: deleted ${counted(kind, counts, "dirty ")} from the internal store.` +
        (n > 0 ? " The next cycle reads the whole scope and finds again whatever is still in it." : ""),
    ]);
  }
  return counts;
}

export async function deleteAll(ctx: TCommandContext, channelId: number, keepGroups: boolean): Promise<TSummary> {
  const counts = await deleteAllLib({ channelId, keepGroups, ...ctx.actor });
  const command = keepGroups ? "delete-all-users" : "delete-all";
  if (ctx.out.json) await ctx.out.value({ command, channelId, deleted: counts, groupsKept: keepGroups });
  else
    await ctx.out.lines([
      keepGroups
        ? `Channel ${channelId}: deleted ${plural(counts.users, "user record")} (groups kept) and the group and attribute-sync timestamps. The next cycle starts from the beginning for users, linking those already at the SP by userName.`
        : `Channel ${channelId}: deleted ${plural(counts.users, "user record")} and ${plural(counts.groups, "group record")} and the group and attribute-sync timestamps. The next cycle starts from the beginning, linking users and groups already at the SP by name.`,
    ]);
  return counts;
}
