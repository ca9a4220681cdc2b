// The users or groups of a channel, a page at a time, for the console and the API:
// searchable by name, DN, GUID or SCIM id and filterable by state. Pages are keyset
// pages in (provider name, id) order on the (channel_id, provider_name) index, so page
// 2,000 costs what page 1 costs at 100,000 records; records not yet named come last,
// in id order. A search that matches almost nothing scans the channel once (~60 ms at
// 100,000 records); "failing" has a partial index (migration 0002).
import { z } from "zod";
import { parseBigintId } from "../db/bigint-id.ts";
import { getDb } from "../db/index.ts";
import { readStoredParts } from "../channel-config/stored.ts";
import { requireChannel } from "./require-channel.ts";
import { guidCandidates } from "./show-record.ts";

import type { TRecordState } from "./record-states.ts";

export type TRecordRow = {
  id: string;
  guid: string;
  dn: string;
  providerName: string | null;
  scimId: string | null;
  sourceState: string;
  targetState: string;
  dirty: boolean;
  pendingAction: string;
  lastError: string | null;
  attempts: number;
  lastAttemptAt: Date | null;
  lastSyncedAt: Date | null;
  updatedAt: Date;
  /** the open deprovisioning hold covering this record */
  holdId: string | null;
  /** groups: member DNs read from the directory */
  memberCount?: number;
};

export type TRecordPage = {
  items: TRecordRow[];
  /** pass as `after` for the next page; null on the last page */
  nextCursor: string | null;
  /** records matching the search and state, counted up to COUNT_CAP (SEARCH_COUNT_CAP for a search) */
  total: number;
  totalCapped: boolean;
};

/**
 * Counting is a scan of what it counts: 100,000 index entries take about 70 ms, a million
 * 700 ms (measured, docs/scaling.md). Past the cap the console says "100,000+".
 */
const COUNT_CAP = 100_000;
/** a search finds people; "1,000+" matches says enough, and a broad one ("user") at a million would count them all */
const SEARCH_COUNT_CAP = 1_000;

const STATE_SQL: Record<TRecordState, string> = {
  provisioned: `target_state = 'ACTIVE'`,
  inactive: `target_state = 'INACTIVE'`,
  absent: `target_state = 'ABSENT'`,
  dirty: `dirty`,
  failing: `last_error IS NOT NULL`,
  "out-of-scope": `source_state = 'OUT_OF_SCOPE'`,
  "disabled-in-directory": `source_state = 'DISABLED'`,
  "deleted-in-directory": `source_state = 'DELETED'`,
  held: `hold_id IS NOT NULL`,
};

type TCursor = { n: string | null; i: string };
/** A decoded `after` token: the provider name and id of the last record of the previous page. */
export type TRecordCursor = { n: string | null; i: bigint };

/** The `after` cursor of the page that starts after this record (also used by the benchmark). */
export function encodeCursor(c: TCursor): string {
  return Buffer.from(JSON.stringify(c)).toString("base64url");
}

/**
 * The `after` token as the API reads it: exactly what encodeCursor wrote, or a clear
 * error. A token that is not one (empty, truncated, edited) is refused rather than read
 * as "no token", which would answer the first page as if it were the next.
 */
export const ZRecordCursor = z.string().transform((s, ctx): TRecordCursor => {
  const c = decodeCursor(s);
  if (c) return c;
  ctx.addIssue({ code: "custom", message: "not a page token this API gave out (nextCursor of the previous page): start from the first page again" });
  return z.NEVER;
});

function decodeCursor(s: string): TRecordCursor | null {
  if (!/^[A-Za-z0-9_-]{1,2000}$/.test(s)) return null;
  try {
    const c = JSON.parse(Buffer.from(s, "base64url").toString("utf8")) as unknown;
    if (!c || typeof c !== "object" || Array.isArray(c) || Object.keys(c).sort().join() !== "i,n") return null;
    const { n, i } = c as Record<string, unknown>;
    const id = typeof i === "string" ? parseBigintId(i) : null;
    if ((n === null || typeof n === "string") && id !== null) return { n, i: id };
  } catch {
    /* not JSON */
  }
  return null;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

type TRaw = {
  id: bigint;
  guid: string;
  dn: string;
  provider_name: string | null;
  scim_id: string | null;
  source_state: string;
  target_state: string;
  dirty: boolean;
  pending_action: string;
  last_error: string | null;
  attempts: number;
  last_attempt_at: Date | null;
  last_synced_at: Date | null;
  updated_at: Date;
  hold_id: bigint | null;
  member_count?: number;
};

export async function listRecords(options: {
  channelId: number;
  kind: "user" | "group";
  q?: string;
  state?: TRecordState;
  /** the previous page's nextCursor, read with ZRecordCursor */
  after?: TRecordCursor;
  limit?: number;
}): Promise<TRecordPage> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const table = options.kind === "user" ? "user_record" : "group_record";
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);

  const where: string[] = ["channel_id = $1"];
  const params: unknown[] = [ch.id];
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const q = options.q?.trim();
  if (q) {
    const like = p(`%${escapeLike(q)}%`);
    const exact = p(q);
    const guids = p(guidCandidates(q, readStoredParts(ch).source ?? undefined));
    // users: the three columns as one expression first, which the trigram index serves (migration 0035)
    const indexed = options.kind === "user" ? `(coalesce(provider_name, '') || ' ' || dn || ' ' || guid) ILIKE ${like} AND ` : "";
    where.push(`((${indexed}(provider_name ILIKE ${like} OR dn ILIKE ${like} OR guid ILIKE ${like})) OR scim_id = ${exact} OR guid = ANY(${guids}::text[]))`);
  }
  if (options.state) where.push(STATE_SQL[options.state]);
  const filterSql = where.join(" AND ");
  const filterParams = [...params];

  const cols = `id, guid, dn, provider_name, scim_id, source_state::text AS source_state, target_state::text AS target_state, dirty,
    pending_action::text AS pending_action, last_error, attempts, last_attempt_at, last_synced_at, updated_at, hold_id${
      options.kind === "group" ? ", cardinality(member_dns) AS member_count" : ""
    }`;
  const cursor = options.after ?? null;

  const rows: TRaw[] = [];
  // named records, in name order
  if (!cursor || cursor.n !== null) {
    const named = [...where, "provider_name IS NOT NULL"];
    if (cursor && cursor.n !== null) {
      const n = p(cursor.n);
      named.push(`provider_name >= ${n} AND (provider_name > ${n} OR id > ${p(cursor.i)})`);
    }
    rows.push(
      ...(await db.$queryRawUnsafe<TRaw[]>(
        `SELECT ${cols} FROM ${table} WHERE ${named.join(" AND ")} ORDER BY provider_name, id LIMIT ${limit + 1}`,
        ...params,
      )),
    );
  }
  // then records without a provider name yet, in id order
  if (rows.length <= limit) {
    const unnamedParams = [...filterParams];
    const un = [...where.slice(0, where.length), "provider_name IS NULL"];
    if (cursor && cursor.n === null) {
      unnamedParams.push(cursor.i);
      un.push(`id > $${unnamedParams.length}`);
    }
    rows.push(
      ...(await db.$queryRawUnsafe<TRaw[]>(
        `SELECT ${cols} FROM ${table} WHERE ${un.join(" AND ")} ORDER BY id LIMIT ${limit + 1 - rows.length}`,
        ...unnamedParams,
      )),
    );
  }

  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  const nextCursor = rows.length > limit && last ? encodeCursor({ n: last.provider_name, i: last.id.toString() }) : null;

  // a first page that is not full is the whole answer: no second scan to count it
  let total = page.length;
  const cap = q ? SEARCH_COUNT_CAP : COUNT_CAP;
  if (cursor || rows.length > limit) {
    const [cnt] = await db.$queryRawUnsafe<Array<{ n: bigint }>>(
      `SELECT count(*) AS n FROM (SELECT 1 FROM ${table} WHERE ${filterSql} LIMIT ${cap + 1}) x`,
      ...filterParams,
    );
    total = Number(cnt?.n ?? 0);
  }

  return {
    items: page.map((r) => ({
      id: r.id.toString(),
      guid: r.guid,
      dn: r.dn,
      providerName: r.provider_name,
      scimId: r.scim_id,
      sourceState: r.source_state,
      targetState: r.target_state,
      dirty: r.dirty,
      pendingAction: r.pending_action,
      lastError: r.last_error,
      attempts: r.attempts,
      lastAttemptAt: r.last_attempt_at,
      lastSyncedAt: r.last_synced_at,
      updatedAt: r.updated_at,
      holdId: r.hold_id === null ? null : r.hold_id.toString(),
      ...(r.member_count !== undefined ? { memberCount: Number(r.member_count) } : {}),
    })),
    nextCursor,
    total: Math.min(total, cap),
    totalCapped: total > cap,
  };
}
