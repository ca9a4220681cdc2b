// One owner per target resource. Two channels sending to one SCIM target (two
// directories, two group filters) may both have a group "Engineering" or a user "ann":
// each would link the target's by name and then make it what its own directory says —
// the directory's membership overwrites the target's — so every cycle one channel takes
// away the other's members, and two channels fight over one user's attributes and
// `active`. A channel therefore never links (adopts) a target user or group that another
// channel at the same target holds:
//   - held: the other channel's record carries its SCIM id, or
//   - claimed: the other channel took a claim on it (target_claim, migration 0040) for a
//     link or create still under way, so two channels linking it at once cannot both win.
// A refused link fails that record only (it stays dirty with a TargetClashError naming
// the holder), before anything is sent to the target for it.
//
// Claims are only taken while another channel shares the target (no cost otherwise): a
// channel added later sees the first one's records. A claim is stale, and is taken over,
// when its channel no longer sends to this target or its record is gone, was linked to
// something else, or no longer waits to be pushed.
import type { TSql } from "../db/index.ts";
import { readStoredParts } from "../channel-config/stored.ts";

export type TClaimKind = "user" | "group";

/**
 * A target as one string: the SCIM base URL with its scheme and host lower-cased, the
 * default port made explicit, no credentials, query or fragment, no trailing slash (the
 * path keeps its case: it is case-sensitive). Two channels whose keys are equal send to
 * the same target; an URL that does not parse is its own key.
 */
export function targetKey(url: string): string {
  try {
    const u = new URL(url.trim());
    const port = u.port || (u.protocol === "https:" ? "443" : "80");
    const path = u.pathname.replace(/\/+$/, "");
    return `${u.protocol}//${u.hostname.toLowerCase()}:${port}${path}`;
  } catch {
    return url.trim();
  }
}

/** A link refused because another channel at the same target holds the resource. */
export class TargetClashError extends Error {
  constructor(
    readonly kind: TClaimKind,
    readonly resourceName: string,
    readonly holder: THolder,
    linked = false,
  ) {
    const theirs = holder.name ? `its ${kind} "${holder.name}"` : `a ${kind} of its own`;
    const what = kind === "group" ? "each would overwrite the other's members" : "each would overwrite the other's values and active state";
    const done = linked
      ? `both channels are linked to it (from before Ferry refused such links): nothing is sent for it from this channel, as ${what}; leave it to one channel (narrow the other's scope, then clear its dirty records)`
      : `not linked, as ${what}; send it from one channel only (narrow one channel's scope${kind === "group" ? ", or rename the group in one directory" : ""})`;
    super(`${kind} "${resourceName}" at the target is held by channel "${holder.channel}" (${theirs}) sending to the same target: ${done}`);
    this.name = "TargetClashError";
  }
}

/** The other channels sending to the same target as this one: id -> name. */
export async function channelsAtTarget(db: TSql, channelId: number, url: string): Promise<Map<number, string>> {
  const key = targetKey(url);
  const rows = await db.$queryRawUnsafe<Array<{ id: number; name: string; target: unknown; source: unknown }>>(
    `SELECT id, name, target, source FROM channel WHERE id <> $1`,
    channelId,
  );
  const out = new Map<number, string>();
  for (const r of rows) {
    const { target } = readStoredParts(r);
    if (target && targetKey(target.url) === key) out.set(r.id, r.name);
  }
  return out;
}

/**
 * Claims one target resource for a record of this channel before it is linked (or right
 * after it was created). Returns null when the channel may hold it, or the channel (and
 * its record's name) that holds it.
 */
export async function claimTarget(
  db: TSql,
  c: { target: string; kind: TClaimKind; scimId: string; channelId: number; recordId: bigint; peers: number[] },
  again = true,
): Promise<{ channel: string; name: string | null } | null> {
  const table = c.kind === "user" ? "user_record" : "group_record";
  // One statement: the insert (or the takeover of a stale claim) happens only when no
  // other channel's record holds the id; two channels claiming at once meet on the key.
  const won = await db.$queryRawUnsafe<Array<{ channel_id: number }>>(
    `INSERT INTO target_claim AS t (target, kind, scim_id, channel_id, record_id)
     SELECT $1, $2, $3, $4, $5
     WHERE NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.channel_id = ANY($6::int[]) AND r.scim_id = $3)
     ON CONFLICT (target, kind, scim_id) DO UPDATE SET channel_id = EXCLUDED.channel_id, record_id = EXCLUDED.record_id, claimed_at = now()
     WHERE t.channel_id = EXCLUDED.channel_id
        OR t.channel_id <> ALL($6::int[])
        OR NOT EXISTS (SELECT 1 FROM ${table} r WHERE r.id = t.record_id AND r.channel_id = t.channel_id
                         AND (r.scim_id = t.scim_id OR (r.scim_id IS NULL AND r.dirty)))
     RETURNING t.channel_id`,
    c.target,
    c.kind,
    c.scimId,
    c.channelId,
    c.recordId,
    c.peers,
  );
  if (won.length > 0) return null;
  const holder = await db.$queryRawUnsafe<Array<{ channel: string; name: string | null }>>(
    `(SELECT ch.name AS channel, r.provider_name AS name FROM ${table} r JOIN channel ch ON ch.id = r.channel_id
       WHERE r.channel_id = ANY($4::int[]) AND r.scim_id = $3 LIMIT 1)
     UNION ALL
     (SELECT ch.name, r.provider_name FROM target_claim t JOIN channel ch ON ch.id = t.channel_id LEFT JOIN ${table} r ON r.id = t.record_id
       WHERE t.target = $1 AND t.kind = $2 AND t.scim_id = $3)
     LIMIT 1`,
    c.target,
    c.kind,
    c.scimId,
    c.peers,
  );
  // the holder let go between the two statements: claim again
  if (holder[0]) return holder[0];
  return again ? claimTarget(db, c, false) : { channel: "(another channel)", name: null };
}

/** Throws TargetClashError when the id is another channel's; what push-users and push-groups call before a link. */
export type TClaimGuard = (recordId: bigint, name: string, scimId: string) => Promise<void>;

export type THolder = { channel: string; name: string | null };

/**
 * One push's guard (a cycle's, or provision on demand); free when no other channel sends
 * to this target. `claim` before a link; `heldElsewhere` for records already linked: a
 * SCIM id another channel's record also carries (two channels that both linked it before
 * this guard existed) is not written by either — not updated, disabled or deleted — until
 * an administrator leaves it to one of them.
 */
export type TTargetGuard = { claim: TClaimGuard; heldElsewhere: (scimIds: string[]) => Promise<Map<string, THolder>> };

export async function targetGuard(db: TSql, channelId: number, url: string, kind: TClaimKind): Promise<TTargetGuard> {
  const peers = await channelsAtTarget(db, channelId, url);
  if (peers.size === 0) return { claim: async () => undefined, heldElsewhere: async () => new Map() };
  const target = targetKey(url);
  const ids = [...peers.keys()];
  const table = kind === "user" ? "user_record" : "group_record";
  return {
    claim: async (recordId, name, scimId) => {
      const holder = await claimTarget(db, { target, kind, scimId, channelId, recordId, peers: ids });
      if (holder) throw new TargetClashError(kind, name, holder);
    },
    heldElsewhere: async (scimIds) => {
      const out = new Map<string, THolder>();
      if (scimIds.length === 0) return out;
      const rows = await db.$queryRawUnsafe<Array<{ scimId: string; channel: string; name: string | null }>>(
        `SELECT DISTINCT ON (r.scim_id) r.scim_id AS "scimId", ch.name AS channel, r.provider_name AS name
         FROM ${table} r JOIN channel ch ON ch.id = r.channel_id
         WHERE r.channel_id = ANY($1::int[]) AND r.scim_id = ANY($2::text[]) ORDER BY r.scim_id, ch.id`,
        ids,
        scimIds,
      );
      for (const r of rows) out.set(r.scimId, { channel: r.channel, name: r.name });
      return out;
    },
  };
}
