// The push half of a cycle for users: every dirty record is sent to the target and
// leaves the dirty state only when the target acknowledged it. Creates look the user
// up by userName first (the seed's "Janet" rule), which also makes a create that was
// cut short by a crash safe to repeat: the second attempt finds and links the user.
// With userMatching create-first the create goes out at once and a 409 uniqueness
// answer leads to the same lookup and link. A create whose answer was lost or unreadable
// is resolved by the SCIM client within the cycle (found by userName: linked, and then
// updated like any linked user, since what it holds is not known). With userMatching
// inventory, a first load matches each page of new users in the target's inventory
// (one query, lib/records/target-inventory.ts) instead of asking the target: a user
// found there is linked and updated, any other is created at once (a 409 still links).
// A created user carries the directory GUID as externalId unless the mapping gives one.
import { patchOps, toResource, type TFlatValues } from "../mapping/map-entry.ts";
import type { ScimClient } from "../scim/client.ts";
import { isRecordFault, ScimError } from "../scim/errors.ts";
import { USER_SCHEMA } from "../scim/protocol.ts";
import { recordBackoffSec } from "../health/channel-health.ts";
import { withRecord } from "../provisioning-log/context.ts";
import { noteWrites, type TCycleContext } from "./context.ts";
import type { TTargetState } from "./decide.ts";
import { markGroupsWithMembers } from "../records/group-records.ts";
import { applyUserOutcomes, fetchDirtyUsers, type TUserOutcome, type TUserRow } from "../records/user-records.ts";
import { adoptedAccounts, forgetInventory, matchInventoryUsers, type TMatch, type TMatchCandidate } from "../records/target-inventory.ts";
import { referenceResolver, refreshReports } from "./refresh-references.ts";
import { TargetClashError, targetGuard, type TClaimGuard, type THolder, type TTargetGuard } from "../records/target-claims.ts";

/** Turns the values as read into the values as sent: references (the manager's DN) become SCIM ids. */
type TResolve = (values: TFlatValues) => TFlatValues;

const BATCH = 200;
/** pages whose requests are sent or queued before the oldest one's outcomes are recorded */
const PAGES_IN_FLIGHT = 4;

/** How a user not yet linked is found at the target: ask (lookup), create and link on 409 (create), or the inventory's match. */
type TLink = ({ kind: "lookup" } | { kind: "create" } | { kind: "inventory"; match: TMatch | undefined }) & {
  guidAsExternalId: boolean;
  /** refuses a target user another channel at this target holds (lib/records/target-claims.ts) */
  claim: TClaimGuard;
  /** the row is linked to a user another channel at this target is linked to as well: nothing is sent */
  heldBy?: THolder;
};

/** The claim guard of one push (a cycle's, or one provision on demand): which channels share the target is looked up once. */
const guards = new WeakMap<TCycleContext, Promise<TTargetGuard>>();
function userTargetGuard(ctx: TCycleContext): Promise<TTargetGuard> {
  let g = guards.get(ctx);
  if (!g) {
    g = targetGuard(ctx.db, ctx.channel.id, ctx.cfg.target.url, "user");
    guards.set(ctx, g);
  }
  return g;
}

function linkMode(ctx: TCycleContext): TLink["kind"] {
  const m = ctx.cfg.target.userMatching;
  if (m === "create-first") return "create";
  // the inventory is only as good as the moment it was taken: a first load's own
  return m === "inventory" && ctx.channel.inventoryMatching ? "inventory" : "lookup";
}

function candidateOf(row: TUserRow): TMatchCandidate | null {
  if (row.scimId || !["CREATE", "UPDATE", "ENABLE"].includes(row.pendingAction)) return null;
  const v = (row.pendingValues ?? {}) as TFlatValues;
  if (!v.userName) return null;
  const emails = Object.entries(v)
    .filter(([k]) => k === "emails" || k.startsWith("emails."))
    .map(([, x]) => String(x));
  return { id: row.id, guid: row.guid, userName: String(v.userName), externalId: v.externalId !== undefined ? String(v.externalId) : row.guid, emails };
}

/** Each row's way to its target user; for the inventory, one query for the whole page. */
async function linksFor(ctx: TCycleContext, rows: TUserRow[]): Promise<TLink[]> {
  const kind = linkMode(ctx);
  const guidAsExternalId = ctx.cfg.options.externalIdFromGuid;
  const guard = await userTargetGuard(ctx);
  const claim = guard.claim;
  const held = await guard.heldElsewhere(rows.flatMap((r) => (r.scimId ? [r.scimId] : [])));
  const withHeld = (r: TUserRow, l: TLink): TLink => {
    const heldBy = r.scimId ? held.get(r.scimId) : undefined;
    return heldBy ? { ...l, heldBy } : l;
  };
  const candidates = rows.map(candidateOf).filter((c): c is TMatchCandidate => c !== null);
  if (kind === "inventory") {
    const matches = await matchInventoryUsers(ctx.db, ctx.channel.id, candidates, ctx.cfg.target.inventoryMatch);
    return rows.map((r) => withHeld(r, { kind: "inventory", match: matches.get(r.id), guidAsExternalId, claim }));
  }
  // an account an admin adopted for the user (the unmanaged list) is linked whatever the matching
  const adopted = await adoptedAccounts(ctx.db, ctx.channel.id, candidates);
  return rows.map((r) => {
    const match = adopted.get(r.id);
    return withHeld(r, match ? { kind: "inventory", match, guidAsExternalId, claim } : { kind, guidAsExternalId, claim });
  });
}

/**
 * The directory GUID as externalId, where the mapping does not give one (RFC 7643 §3.1:
 * set by the provisioning client) — for channels saved before the mapping defaulted it
 * (resolve.ts) — unless the channel turned it off (options.externalIdFromGuid: false).
 */
function withExternalId(resource: Record<string, unknown>, guid: string | null): Record<string, unknown> {
  return resource.externalId === undefined && guid !== null ? { ...resource, externalId: guid } : resource;
}

type TPending = TFlatValues & { active?: boolean };

function splitActive(values: TPending | null): { values: TFlatValues; active: boolean } {
  const { active, ...rest } = values ?? {};
  return { values: rest, active: active !== false };
}

/**
 * Pushes every dirty user record, id order, a page at a time. With `follow`, it runs
 * beside the read of a first load and keeps taking the pages the read stores until the
 * read has finished (ctx.readProgress). That is the whole pass: a first load's read
 * writes each record once, in id order, so nothing is stored behind the cursor.
 */
export async function pushUsers(ctx: TCycleContext, client: ScimClient, follow = false): Promise<void> {
  const { db, channel } = ctx;
  const usePatch = await client.usePatch();
  // Pages in flight: while one page's outcomes are written to the store and the next
  // pages are fetched and matched, the pages queued after it keep the client's
  // concurrency full, so the target does not wait for the database. With two pages, only
  // one page's requests (about 0.2 s of a fast target's work) covered a write, a fetch
  // and a match, and the store is slowest when other channels' cycles use it: four made
  // the 100,000-user first load 5-8% faster (README, many channels on one node).
  // Outcomes are recorded page by page, in order; memory holds at most PAGES_IN_FLIGHT pages.
  const pages: Array<Promise<void>> = [];
  let recorded: Promise<void> = Promise.resolve();
  let after = 0n;
  // following a read that is still storing batches: catch up, then wait for the next batch
  const progress = follow ? ctx.readProgress : undefined;
  try {
    for (;;) {
      // both read before the query: a batch committed (and the read finished) while the
      // query ran may be invisible to it, so only a read that had finished before is the end
      const seen = progress?.version ?? 0;
      const wasFinished = progress?.finished ?? true;
      const rows = await fetchDirtyUsers(db, channel.id, after, BATCH);
      if (rows.length === 0) {
        if (wasFinished) break;
        await progress!.next(seen);
        continue;
      }
      after = rows[rows.length - 1]!.id;
      const resolve = await referenceResolver(db, ctx, rows);
      await ctx.lease.guard();
      const links = await linksFor(ctx, rows);
      const pushes = Promise.all(
        rows.map((r, i) =>
          pushOne(r, client, usePatch, links[i]!, resolve).then((o) => {
            ctx.stats.sent++;
            return o;
          }),
        ),
      );
      // recorded after the page before it (one lease transaction at a time), whether or
      // not that one's write went through: what this page sent is recorded on its own
      const before = recorded;
      recorded = pushes.then(async (outcomes) => {
        await before.catch(() => undefined);
        await recordOutcomes(ctx, rows, outcomes);
      });
      // awaited (and thrown) below; never an unhandled rejection meanwhile
      recorded.catch(() => undefined);
      pages.push(recorded);
      if (pages.length >= PAGES_IN_FLIGHT) await pages.shift();
    }
  } finally {
    // what was sent is recorded before the push ends, even when a page failed
    await Promise.allSettled(pages);
  }
  await Promise.all(pages);
}

/**
 * Pushes these user records now and records their outcomes, as one page of a cycle's push
 * does (provision on demand: lib/channels/provision-on-demand.ts, under the channel's lease).
 */
export async function pushUserRows(ctx: TCycleContext, client: ScimClient, rows: TUserRow[]): Promise<TUserOutcome[]> {
  if (rows.length === 0) return [];
  const usePatch = await client.usePatch();
  const resolve = await referenceResolver(ctx.db, ctx, rows);
  await ctx.lease.guard();
  const links = await linksFor(ctx, rows);
  const outcomes = await Promise.all(rows.map((r, i) => pushOne(r, client, usePatch, links[i]!, resolve)));
  await recordOutcomes(ctx, rows, outcomes);
  return outcomes;
}

async function recordOutcomes(ctx: TCycleContext, rows: TUserRow[], results: TUserOutcome[]): Promise<void> {
  const { channel, stats, log } = ctx;
  const membershipChanged: string[] = [];
  // users who gained or lost their SCIM id: those referring to them (their reports) are updated
  const idChanged: string[] = [];
  const removeInactive = ctx.cfg.options.deprovisionedMemberships === "remove";
  // a record the target keeps refusing waits longer each time before it is tried again
  // (only for its own refusals: a target that is down or refuses the credentials is the channel's problem)
  const outcomes = results.map((o, i): TUserOutcome =>
    o.ok || !o.recordFault ? o : { ...o, retryInSec: recordBackoffSec(rows[i]!.attempts + 1, ctx.cfg.options.recordRetryMaxSec) },
  );
  outcomes.forEach((o, i) => {
    const row = rows[i]!;
    if (o.ok) {
      stats.pushed[row.pendingAction] = (stats.pushed[row.pendingAction] ?? 0) + 1;
      // a user who appeared at or vanished from the target changes what its groups can hold,
      // and so does one disabled or enabled there when disabled users leave their groups
      const activeChanged = removeInactive && o.scimId !== null && (row.targetState === "INACTIVE") !== (o.targetState === "INACTIVE");
      if ((row.scimId === null) !== (o.scimId === null) || o.forget || activeChanged) membershipChanged.push(row.dn);
      if ((row.scimId === null) !== (o.scimId === null) || o.forget) idChanged.push(row.dn);
    } else {
      stats.failed++;
      if (!o.recordFault) stats.targetFailed++;
      if (stats.sampleErrors.length < 3) stats.sampleErrors.push(`${row.providerName ?? row.dn}: ${o.error}`);
      log.warn("user push failed; record stays dirty", { userName: row.providerName, action: row.pendingAction, error: o.error });
    }
  });
  // deleted at the target by Ferry: not an unmanaged account of the inventory either
  const deleted = outcomes.flatMap((o, i) => (o.ok && rows[i]!.pendingAction === "DELETE" && rows[i]!.scimId ? [rows[i]!.scimId!] : []));
  await ctx.lease.write(async (tx) => {
    await applyUserOutcomes(tx, outcomes);
    await markGroupsWithMembers(tx, channel.id, membershipChanged);
    await forgetInventory(tx, channel.id, "user", deleted);
    await refreshReports(tx, ctx, idChanged);
  });
  await noteWrites(ctx, outcomes.length);
}

async function pushOne(row: TUserRow, client: ScimClient, usePatch: boolean, link: TLink, resolve: TResolve): Promise<TUserOutcome> {
  try {
    // the provisioning log names this record on each of its requests
    return await withRecord({ kind: "user", id: row.id, name: row.providerName, guid: row.guid, action: row.pendingAction }, () =>
      apply(row, client, usePatch, link, resolve),
    );
  } catch (err) {
    const message = err instanceof ScimError ? `${err.kind}: ${err.message}` : (err as Error).message;
    return { id: row.id, ok: false, error: message, recordFault: isRecordFault(err) };
  }
}

/** The target user a row not yet linked is to be linked with; null: none, create it. */
async function existingUser(link: TLink, userName: string, client: ScimClient): Promise<{ id: string } | null> {
  if (link.kind === "create") return null;
  if (link.kind === "inventory" && link.match !== "ambiguous") return link.match ? { id: link.match } : null;
  // lookup-first, or two target users match (the lookup reports the conflict)
  return client.users.findByUserName(userName);
}

async function apply(row: TUserRow, client: ScimClient, usePatch: boolean, link: TLink, resolve: TResolve): Promise<TUserOutcome> {
  const gone = row.sourceState === "OUT_OF_SCOPE" || row.sourceState === "DELETED";
  const done = (scimId: string | null, targetState: TTargetState, pushed: TFlatValues | null, hash: string | null): TUserOutcome => ({
    id: row.id,
    ok: true,
    scimId,
    targetState,
    valuesHash: hash,
    pushedValues: pushed,
    forget: gone && targetState === "ABSENT",
  });

  // another channel at this target is linked to the same user (from before the guard): neither updates, disables nor deletes it
  if (link.heldBy) throw new TargetClashError("user", row.providerName ?? row.dn, link.heldBy, true);
  switch (row.pendingAction) {
    case "CREATE":
    case "UPDATE":
    case "ENABLE": {
      const pending = splitActive(row.pendingValues as TPending | null);
      const values = resolve(pending.values);
      const active = pending.active;
      if (!values.userName) throw new Error("no userName to provision");
      let scimId = row.scimId;
      let before: TFlatValues | null = row.pushedValues as TFlatValues | null;
      if (!scimId) {
        // create-first targets answer 409 uniqueness for a userName they hold: linked below
        const existing = await existingUser(link, String(values.userName), client);
        if (existing) {
          // another channel's user at this target is refused before anything is sent for it
          await link.claim(row.id, String(values.userName), existing.id);
          scimId = existing.id;
          before = null; // unknown to us: send every mapped value
        } else {
          try {
            const created = await client.users.create(withExternalId({ ...toResource(values, USER_SCHEMA), active }, link.guidAsExternalId ? row.guid : null));
            // created, or found after a lost answer (then it may be another channel's): this channel's from now on
            await link.claim(row.id, String(values.userName), created.id);
            if (!created.linked) return done(created.id, active ? "ACTIVE" : "INACTIVE", values, row.pendingHash);
            // the create's answer was lost and the user was found by userName: updated below like any linked user
            scimId = created.id;
            before = null;
          } catch (err) {
            // uniqueness conflict: it exists after all (e.g. the target's filter is case-sensitive); link it
            if (!(err instanceof ScimError && err.kind === "conflict")) throw err;
            const again = await client.users.findByUserName(String(values.userName));
            if (!again) throw err;
            await link.claim(row.id, String(values.userName), again.id);
            scimId = again.id;
            before = null;
          }
        }
      }
      try {
        await updateUser(client, scimId, before, values, active, usePatch, row.targetState !== (active ? "ACTIVE" : "INACTIVE") || before === null);
      } catch (err) {
        if (!(err instanceof ScimError && err.kind === "not-found")) throw err;
        // deleted at the target behind our back: provision again
        const created = await client.users.create(withExternalId({ ...toResource(values, USER_SCHEMA), active }, link.guidAsExternalId ? row.guid : null));
        await link.claim(row.id, String(values.userName), created.id);
        if (created.linked) await updateUser(client, created.id, null, values, active, usePatch, true);
        return done(created.id, active ? "ACTIVE" : "INACTIVE", values, row.pendingHash);
      }
      return done(scimId, active ? "ACTIVE" : "INACTIVE", values, row.pendingHash);
    }
    case "DISABLE": {
      if (!row.scimId) return done(null, "ABSENT", null, null);
      try {
        if (usePatch) await client.users.patch(row.scimId, [{ op: "replace", value: { active: false } }]);
        else await client.users.put(row.scimId, { ...toResource((row.pushedValues ?? {}) as TFlatValues, USER_SCHEMA), active: false });
      } catch (err) {
        if (err instanceof ScimError && err.kind === "not-found") return done(null, "ABSENT", null, null);
        throw err;
      }
      return done(row.scimId, "INACTIVE", row.pushedValues, row.valuesHash);
    }
    case "DELETE": {
      if (row.scimId) await client.users.delete(row.scimId);
      return done(null, "ABSENT", null, null);
    }
    default:
      return { id: row.id, ok: false, error: `unexpected pending action ${row.pendingAction}`, recordFault: true };
  }
}

async function updateUser(
  client: ScimClient,
  scimId: string,
  before: TFlatValues | null,
  after: TFlatValues,
  active: boolean,
  usePatch: boolean,
  sendActive: boolean,
): Promise<void> {
  if (!usePatch) {
    await client.users.put(scimId, { ...toResource(after, USER_SCHEMA), active });
    return;
  }
  const ops = patchOps(before, after, { byType: client.target.multiValuePatch === "by-type" });
  if (sendActive) {
    const replace = ops.find((o) => o.op === "replace" && !o.path);
    if (replace) (replace.value as Record<string, unknown>).active = active;
    else ops.unshift({ op: "replace", value: { active } });
  }
  if (ops.length > 0) await client.users.patch(scimId, ops);
}
