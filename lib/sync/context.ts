import type { TChannelConfig } from "../channel-config/stored.ts";
import type { TSql } from "../db/index.ts";
import type { TRawSql } from "../db/raw.ts";
import type { TLogger } from "../log.ts";
import type { Lease } from "./lease.ts";

/**
 * How a cycle writes the store: a Lease (every write proves the lease in its own
 * transaction), or a plan's writer (lib/channels/plan-cycle.ts), whose writes all land
 * in one transaction that is rolled back.
 */
export type TStoreWriter = Pick<Lease, "write" | "guard">;

export type TCycleStats = {
  mode: "full" | "incremental";
  reasons: string[];
  usersRead: number;
  usersLeftScope: number;
  /** users a change feed reported deleted */
  usersDeleted: number;
  usersMissing: number;
  usersMarkedDirty: number;
  /** records the read rewrote in the store (new, changed or re-decided) */
  usersWritten: number;
  usersSkipped: number;
  groupsRead: number;
  groupsMarkedDirty: number;
  pushed: Record<string, number>;
  failed: number;
  /** of those, failures of the target as a whole (auth, 5xx, unreachable), not of one record */
  targetFailed: number;
  /** the first few push errors, for the cycle's message */
  sampleErrors: string[];
  held: string[];
  /** deprovisionings (users) and deletions (groups) the guard released this cycle */
  released: { users: number; groups: number };
  /** …and held for approval */
  heldBack: { users: number; groups: number };
  readMs: number;
  pushMs: number;
  /** where the time went, phase by phase (ms) */
  phases: Record<string, number>;
  /** the process's CPU time while each phase ran (ms; phases that overlap count the same CPU) */
  phasesCpu?: Record<string, number>;
  /** dirty and failing records (users and groups) when the cycle ended, for the backlog chart */
  backlog?: { dirty: number; failing: number };
  /** records whose push finished this cycle, counted as each answer comes (their outcome is stored a page at a time) */
  sent: number;
  /** the phases running now (a first load reads and pushes at once), for progress */
  running: string[];
  scimRequests: number;
  /** the directory had not changed since the groups were last listed: the listing was left out */
  groupsListingSkipped?: boolean;
  /** a full reconciliation's read of the target: what it read and how many records it found drifted */
  drift: { usersRead: number; users: number; groupsRead: number; groups: number };
};

export function emptyStats(): TCycleStats {
  return {
    mode: "incremental",
    reasons: [],
    usersRead: 0,
    usersLeftScope: 0,
    usersDeleted: 0,
    usersMissing: 0,
    usersMarkedDirty: 0,
    usersWritten: 0,
    usersSkipped: 0,
    groupsRead: 0,
    groupsMarkedDirty: 0,
    pushed: {},
    failed: 0,
    targetFailed: 0,
    sampleErrors: [],
    held: [],
    released: { users: 0, groups: 0 },
    heldBack: { users: 0, groups: 0 },
    readMs: 0,
    pushMs: 0,
    phases: {},
    phasesCpu: {},
    running: [],
    sent: 0,
    scimRequests: 0,
    drift: { usersRead: 0, users: 0, groupsRead: 0, groups: 0 },
  };
}

export type TCycleContext = {
  /** the store's reads (a plan: its transaction, so that it reads what it wrote) */
  db: TSql;
  /** the read path's per-batch lookups (lib/db/raw.ts): the `pg` pool, or a plan's transaction */
  raw: TRawSql;
  channel: {
    id: number;
    name: string;
    groupTimestamp: string | null;
    attributeSyncTimestamp: string | null;
    lastFullSyncAt: Date | null;
    /** an open deprovisioning hold of users: every cycle reads the whole scope again until it closes */
    usersHeld?: boolean;
    /** the change feed that wrote changeCookie, and where it stands (lib/ldap/change-feed.ts) */
    changeFeed?: string | null;
    changeCookie?: string | null;
    /** read the whole scope whatever the markers say, for this reason (a plan of a full cycle) */
    forceFull?: string;
    /** the directory's change marker and group settings at the last complete listing of the groups (read-groups.ts) */
    groupsMarker?: string | null;
    /** members per group write the target took after refusing more (push-groups.ts); null: as configured */
    membersPerPatchLearned?: number | null;
    /** the target's inventory was taken for this cycle's first load: users are matched in it (lib/records/target-inventory.ts) */
    inventoryMatching?: boolean;
  };
  cfg: Pick<TChannelConfig, "source" | "target" | "mapping" | "options">;
  log: TLogger;
  stats: TCycleStats;
  /** every store write goes through lease.write; every batch of SCIM requests after lease.guard */
  lease: TStoreWriter;
  /**
   * A plan (dry run): the writes land in a transaction that is rolled back, so the
   * statistics refresh (noteWrites) is skipped — an ANALYZE there would hold its table
   * lock against every other channel's ANALYZE until the plan ends, for nothing.
   */
  dryRun?: boolean;
  /**
   * A first load: the store held no user record of this channel when the cycle began, so
   * the read has nothing to compare with (and skips looking), and the push follows the
   * read, told about each batch written by readProgress.
   */
  readProgress?: ReadProgress;
};

/**
 * How far a running read has got, for a push that follows it (a first load pushes the
 * records of the batches already stored while the directory read goes on). The push
 * waits on next() when it has caught up; every stored batch and the end of the read
 * wake it.
 */
export class ReadProgress {
  version = 0;
  finished = false;
  private waiters: Array<() => void> = [];

  bump(): void {
    this.version++;
    this.wake();
  }

  finish(): void {
    this.finished = true;
    this.wake();
  }

  /** Resolves once something was stored after `seenVersion` or the read ended. */
  async next(seenVersion: number): Promise<void> {
    if (this.finished || this.version !== seenVersion) return;
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const resolve of w) resolve();
  }
}

/** Runs a phase of the cycle and adds its wall time to stats.phases[name] (and the process's CPU meanwhile to stats.phasesCpu). */
export async function timed<T>(stats: TCycleStats, name: string, fn: () => Promise<T>): Promise<T> {
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  stats.running.push(name);
  try {
    return await fn();
  } finally {
    stats.running.splice(stats.running.indexOf(name), 1);
    stats.phases[name] = Math.round((stats.phases[name] ?? 0) + performance.now() - t0);
    const cpu = process.cpuUsage(cpu0);
    stats.phasesCpu ??= {};
    stats.phasesCpu[name] = Math.round((stats.phasesCpu[name] ?? 0) + (cpu.user + cpu.system) / 1000);
  }
}

/**
 * Rows written since the planner last looked at the tables. A first load or a mass
 * change leaves PostgreSQL's statistics describing a much smaller table, and the GUID
 * lookups of the next batches then scan instead of probing the unique index (measured:
 * 10 ms -> 40-120 ms per 500 GUIDs at 100,000 users). Autovacuum catches up eventually;
 * a cycle that wrote this much refreshes the statistics itself.
 */
const ANALYZE_FIRST = 10_000;
/** per cycle: writes since the last ANALYZE, and how many the next one waits for (doubling, so a 100,000-user load analyzes a handful of times) */
const analyzeState = new WeakMap<TCycleContext, { since: number; next: number }>();

export async function noteWrites(ctx: TCycleContext, rows: number): Promise<void> {
  if (ctx.dryRun) return;
  const st = analyzeState.get(ctx) ?? { since: 0, next: ANALYZE_FIRST };
  st.since += rows;
  analyzeState.set(ctx, st);
  if (st.since < st.next) return;
  st.since = 0;
  st.next *= 2;
  await timed(ctx.stats, "store.analyze", () => ctx.db.$executeRawUnsafe(`ANALYZE user_record, group_record, group_member`));
}
