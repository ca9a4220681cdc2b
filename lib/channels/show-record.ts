// --show-user / --show-group: every internal field of one user or group record, found
// by provider name (the SCIM userName or group displayName) or by LDAP GUID. Includes
// the transitory mapping fields (values waiting to be pushed), what the target last
// acknowledged, the LDAP attributes retrieved and the acknowledged memberships.
// Secrets a directory may hand out (password hashes) are masked here, so no caller can
// print them by accident.
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { readStoredParts, type TSource } from "../channel-config/stored.ts";
import { requireChannel } from "./require-channel.ts";

export type TRecordLookup = { providerName: string } | { guid: string };

type TRecordFields = {
  channelId: number;
  id: string;
  guid: string;
  dn: string;
  providerName: string | null;
  scimId: string | null;
  valuesHash: string | null;
  ldapTimestamp: string | null;
  sourceState: string;
  targetState: string;
  dirty: boolean;
  pendingAction: string;
  /** transitory mapping fields: the values waiting to be pushed */
  pendingValues: Record<string, unknown> | null;
  pendingHash: string | null;
  /** the values the target last acknowledged */
  pushedValues: Record<string, unknown> | null;
  ldapAttributes: Record<string, string[]> | null;
  lastError: string | null;
  attempts: number;
  lastAttemptAt: Date | null;
  /** refused by the target: not tried again before then (its backoff); "retry now" clears it */
  nextAttemptAt: Date | null;
  lastSyncedAt: Date | null;
  /** the open deprovisioning hold covering this record: the guard holds its deprovisioning for approval */
  holdId: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export type TRecordRef = { id: string; guid: string; dn: string; providerName: string | null; scimId: string | null };

export type TUserRecordView = TRecordFields & {
  kind: "user";
  /** groups whose membership of this user the target acknowledged */
  groups: TRecordRef[];
};

export type TGroupRecordView = TRecordFields & {
  kind: "group";
  /** member DNs as last read from the directory */
  memberDns: string[];
  resyncMembers: boolean;
  /** members the target acknowledged */
  members: TRecordRef[];
};

export const MASK = "********";

/** LDAP attributes that hold credentials; compared lower-case. */
const SECRET_LDAP_ATTRIBUTES = new Set([
  "userpassword",
  "authpassword",
  "unicodepwd",
  "dbcspwd",
  "ntpwdhistory",
  "lmpwdhistory",
  "supplementalcredentials",
  "sambantpassword",
  "sambalmpassword",
  "sambapasswordhistory",
  "krbprincipalkey",
  "userpkcs12",
  "pwdhistory",
]);

/** Mapped SCIM values that are credentials (a mapping may send `password`). */
const SECRET_VALUE_KEY = /(^|\.)password$|secret|token/i;

export function maskLdapAttributes(attrs: unknown): Record<string, string[]> | null {
  if (!attrs || typeof attrs !== "object") return null;
  const out: Record<string, string[]> = {};
  for (const [name, raw] of Object.entries(attrs as Record<string, unknown>)) {
    const values = Array.isArray(raw) ? raw.map(String) : [String(raw)];
    // an attribute with no values says nothing (the reader keeps the "*" it asked for)
    if (values.length === 0) continue;
    // `userPassword;binary` and other options are the same secret
    out[name] = SECRET_LDAP_ATTRIBUTES.has(name.toLowerCase().split(";")[0] ?? "") ? values.map(() => MASK) : values;
  }
  return out;
}

function maskValues(values: unknown): Record<string, unknown> | null {
  if (!values || typeof values !== "object") return null;
  return Object.fromEntries(Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, SECRET_VALUE_KEY.test(k) ? MASK : v]));
}

/**
 * The stored forms a GUID typed by an administrator may have: lower-case as stored;
 * without braces and hyphens (binary GUIDs are stored as plain hex); and for Active
 * Directory's canonical `{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}`, which prints the first
 * three fields little-endian, the hex of the raw bytes that objectGUID holds.
 */
export function guidCandidates(input: string, source?: Pick<TSource, "guidAttribute">): string[] {
  const lower = input.trim().toLowerCase();
  const bare = lower.replace(/^\{|\}$/g, "");
  const out = new Set([lower, bare, bare.replace(/-/g, "")]);
  const m = /^([0-9a-f]{8})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{4})-([0-9a-f]{12})$/.exec(bare);
  if (m && source?.guidAttribute.toLowerCase() === "objectguid") {
    const swap = (hex: string) => hex.match(/../g)!.reverse().join("");
    out.add(swap(m[1]!) + swap(m[2]!) + swap(m[3]!) + m[4]! + m[5]!);
  }
  return [...out].filter(Boolean);
}

export async function showRecord(options: { channelId: number; kind: "user"; lookup: TRecordLookup }): Promise<TUserRecordView[]>;
export async function showRecord(options: { channelId: number; kind: "group"; lookup: TRecordLookup }): Promise<TGroupRecordView[]>;
export async function showRecord(options: {
  channelId: number;
  kind: "user" | "group";
  lookup: TRecordLookup;
}): Promise<TUserRecordView[] | TGroupRecordView[]> {
  const ch = await requireChannel(options.channelId);
  const db = await getDb();
  const table = options.kind === "user" ? "user_record" : "group_record";
  const lookup = options.lookup;
  let ids: bigint[];
  let what: string;

  if ("providerName" in lookup) {
    const name = lookup.providerName.trim();
    if (!name) throw new AppError("INVALID_ARGUMENT", `give the ${options.kind}'s provider name`);
    what = `provider name ${name}`;
    ids = await findIds(`SELECT id FROM ${table} WHERE channel_id = $1 AND provider_name = $2 ORDER BY id`, ch.id, name);
    // SCIM userNames and displayNames are case-insensitive at most service providers
    if (ids.length === 0) {
      ids = await findIds(`SELECT id FROM ${table} WHERE channel_id = $1 AND lower(provider_name) = lower($2) ORDER BY id`, ch.id, name);
    }
  } else {
    const guid = lookup.guid.trim();
    if (!guid) throw new AppError("INVALID_ARGUMENT", `give the ${options.kind}'s LDAP GUID`);
    what = `LDAP GUID ${guid}`;
    const candidates = guidCandidates(guid, readStoredParts(ch).source ?? undefined);
    ids = await findIds(`SELECT id FROM ${table} WHERE channel_id = $1 AND guid = ANY($2::text[]) ORDER BY id`, ch.id, candidates);
    if (ids.length === 0) {
      // a hyphenated GUID typed without hyphens, or the other way round
      ids = await findIds(
        `SELECT id FROM ${table} WHERE channel_id = $1 AND replace(guid, '-', '') = ANY($2::text[]) ORDER BY id`,
        ch.id,
        candidates.map((c) => c.replace(/-/g, "")),
      );
    }
  }
  if (ids.length === 0) {
    throw new AppError(
      "NOT_FOUND",
      `no ${options.kind} with ${what} in channel ${ch.id} (the --show-dirty-* commands list names and GUIDs)`,
    );
  }

  if (options.kind === "user") {
    const rows = await db.userRecord.findMany({
      where: { id: { in: ids } },
      orderBy: { id: "asc" },
      include: { memberships: { include: { group: { select: REF_SELECT } }, orderBy: { groupId: "asc" } } },
    });
    return rows.map((r) => {
      const { memberships, ...rest } = r;
      return { kind: "user" as const, ...fields(rest), groups: memberships.map((m) => ref(m.group)) };
    });
  }
  const rows = await db.groupRecord.findMany({
    where: { id: { in: ids } },
    orderBy: { id: "asc" },
    include: { members: { include: { user: { select: REF_SELECT } }, orderBy: { userId: "asc" } } },
  });
  return rows.map((r) => {
    const { members, memberDns, resyncMembers, ...rest } = r;
    return { kind: "group" as const, ...fields(rest), memberDns, resyncMembers, members: members.map((m) => ref(m.user)) };
  });
}

const REF_SELECT = { id: true, guid: true, dn: true, providerName: true, scimId: true } as const;

async function findIds(sql: string, ...params: unknown[]): Promise<bigint[]> {
  const db = await getDb();
  const rows = await db.$queryRawUnsafe<Array<{ id: bigint }>>(sql, ...params);
  return rows.map((r) => r.id);
}

function ref(r: { id: bigint; guid: string; dn: string; providerName: string | null; scimId: string | null }): TRecordRef {
  return { id: r.id.toString(), guid: r.guid, dn: r.dn, providerName: r.providerName, scimId: r.scimId };
}

type TRow = Omit<TRecordFields, "id" | "holdId" | "pendingValues" | "pushedValues" | "ldapAttributes" | "sourceState" | "targetState" | "pendingAction"> & {
  id: bigint;
  holdId: bigint | null;
  sourceState: string;
  targetState: string;
  pendingAction: string;
  pendingValues: unknown;
  pushedValues: unknown;
  ldapAttributes: unknown;
};

function fields(r: TRow): TRecordFields {
  return {
    channelId: r.channelId,
    id: r.id.toString(),
    guid: r.guid,
    dn: r.dn,
    providerName: r.providerName,
    scimId: r.scimId,
    valuesHash: r.valuesHash,
    ldapTimestamp: r.ldapTimestamp,
    sourceState: r.sourceState,
    targetState: r.targetState,
    dirty: r.dirty,
    pendingAction: r.pendingAction,
    pendingValues: maskValues(r.pendingValues),
    pendingHash: r.pendingHash,
    pushedValues: maskValues(r.pushedValues),
    ldapAttributes: maskLdapAttributes(r.ldapAttributes),
    lastError: r.lastError,
    attempts: r.attempts,
    lastAttemptAt: r.lastAttemptAt,
    nextAttemptAt: r.nextAttemptAt,
    lastSyncedAt: r.lastSyncedAt,
    holdId: r.holdId === null ? null : r.holdId.toString(),
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
