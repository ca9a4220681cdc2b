// One node runs a channel's cycle at a time, always. A cycle holds a lease on its
// channel row: owner, expiry on the *database's* clock (so clock skew between nodes does
// not matter) and a fencing token that every new lease bumps. Every store write of the
// cycle runs in a transaction that first renews the lease *with its token*, locking the
// channel row: a node that lost its lease while paused (GC, SIGSTOP, a partition) cannot
// write a single row when it wakes up, and a new owner's bump waits for any write already
// in flight. Before each batch of SCIM requests the cycle re-checks the lease when more
// than a third of it has passed on the local monotonic clock, so a node that slept does
// not send requests on a lease it no longer has.
import type { Prisma, PrismaClient, TSql } from "../db/index.ts";
import { AppError } from "../errors.ts";

export type { TSql };

export class FencedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "FencedError";
  }
}

/**
 * Another cycle of the channel holds its lease, so this one did not start. The worker
 * queues the channel's cycle again in a few seconds (lib/jobs/run-cycle-job.ts); any
 * other refusal waits for the channel's next period.
 */
export class LeaseHeldError extends AppError {
  constructor(channelId: number, owner: number | null, endsInSec: number) {
    super("CYCLE_RUNNING", `a cycle of channel ${channelId} is already running${owner ? ` on node ${owner}` : ""} (lease ends in ${endsInSec} s)`, {
      channelId,
      owner,
      endsInSec,
    });
    this.name = "LeaseHeldError";
  }
}

/** How long a plan waits for the channel's row (held by another plan) before it is refused. */
const PLAN_LOCK_WAIT_MS = 5_000;

export class Lease {
  private lastRenew = performance.now();

  private constructor(
    private readonly db: PrismaClient,
    readonly channelId: number,
    readonly nodeId: number | null,
    readonly token: bigint,
    private readonly durationSec: number,
    private readonly signal?: AbortSignal,
  ) {}

  static async acquire(options: { db: PrismaClient; channelId: number; nodeId?: number; durationSec: number; signal?: AbortSignal }): Promise<Lease> {
    const rows = await options.db.$queryRawUnsafe<Array<{ token: bigint }>>(
      `UPDATE channel SET lease_token = lease_token + 1, lease_owner = $2, lease_expires_at = now() + make_interval(secs => $3)
       WHERE id = $1 AND (lease_expires_at IS NULL OR lease_expires_at < now())
       RETURNING lease_token AS token`,
      options.channelId,
      options.nodeId ?? null,
      options.durationSec,
    );
    const token = rows[0]?.token;
    if (token === undefined) {
      const held = await options.db.$queryRawUnsafe<Array<{ owner: number | null; left: number }>>(
        `SELECT lease_owner AS owner, EXTRACT(EPOCH FROM lease_expires_at - now())::float AS left FROM channel WHERE id = $1`,
        options.channelId,
      );
      const h = held[0];
      if (!h) throw new AppError("NOT_FOUND", `channel ${options.channelId} does not exist`);
      throw new LeaseHeldError(options.channelId, h.owner, Math.max(0, Math.ceil(h.left)));
    }
    return new Lease(options.db, options.channelId, options.nodeId ?? null, BigInt(token), options.durationSec, options.signal);
  }

  private checkAbort(): void {
    if (this.signal?.aborted) throw new FencedError(`cycle of channel ${this.channelId} stopped: ${String(this.signal.reason ?? "aborted")}`);
  }

  /** Extends the lease if it is still ours; throws FencedError if it is not. */
  async renew(sql: TSql = this.db): Promise<void> {
    this.checkAbort();
    const n = await sql.$executeRawUnsafe(
      `UPDATE channel SET lease_expires_at = now() + make_interval(secs => $3) WHERE id = $1 AND lease_token = $2`,
      this.channelId,
      this.token,
      this.durationSec,
    );
    if (n !== 1) {
      throw new FencedError(
        `lost the lease on channel ${this.channelId} (another node took it over, or an operator reset the channel); nothing more is written`,
      );
    }
    this.lastRenew = performance.now();
  }

  /** Before sending to the target: cheap unless the lease may be running out (or the process slept). */
  async guard(): Promise<void> {
    this.checkAbort();
    if (performance.now() - this.lastRenew > (this.durationSec * 1000) / 3) await this.renew();
  }

  /** Runs store writes in one transaction that proves the lease first. */
  async write<T>(fn: (tx: Prisma.TransactionClient) => Promise<T>): Promise<T> {
    this.checkAbort();
    // A batch may wait on a row lock (an operator's reset, a slow disk) longer than
    // Prisma's 5 s default before it commits: it may take as long as the lease lasts,
    // which it renewed first (and never less than that default). Past that, the write is
    // a fenced node's anyway.
    return this.db.$transaction(
      async (tx) => {
        await this.renew(tx);
        return fn(tx);
      },
      { timeout: Math.max(5_000, this.durationSec * 1000), maxWait: 10_000 },
    );
  }

  /**
   * A plan (lib/channels/plan-cycle.ts) takes the lease inside its own transaction, which
   * is always rolled back: the channel row stays locked until then, so a cycle that wants
   * the lease (or a cycle's write, which renews it) waits for the plan to end, and a plan
   * of a channel whose cycle holds the lease is refused. Nothing of it is ever committed:
   * the lease columns are as they were once the plan is over.
   */
  static async holdForPlan(tx: TSql, channelId: number, durationSec: number): Promise<void> {
    // another plan of the channel holds its row until it ends (minutes on a big scope):
    // say so after a few seconds instead of waiting for it
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout = '${PLAN_LOCK_WAIT_MS}ms'`);
    let rows: Array<{ id: number }>;
    try {
      rows = await tx.$queryRawUnsafe<Array<{ id: number }>>(
        `UPDATE channel SET lease_token = lease_token + 1, lease_owner = NULL, lease_expires_at = now() + make_interval(secs => $2)
         WHERE id = $1 AND (lease_expires_at IS NULL OR lease_expires_at < now()) RETURNING id`,
        channelId,
        durationSec,
      );
    } catch (err) {
      const e = err as { message?: string; meta?: { code?: string } };
      if (e.meta?.code === "55P03" || /lock timeout|55P03/i.test(e.message ?? "")) {
        throw new AppError("CYCLE_RUNNING", `channel ${channelId} is busy: another plan of it is being made; try again when it ends`, { channelId });
      }
      throw err;
    }
    await tx.$executeRawUnsafe(`SET LOCAL lock_timeout TO DEFAULT`);
    if (rows.length > 0) return;
    const held = await tx.$queryRawUnsafe<Array<{ owner: number | null; left: number }>>(
      `SELECT lease_owner AS owner, EXTRACT(EPOCH FROM lease_expires_at - now())::float AS left FROM channel WHERE id = $1`,
      channelId,
    );
    const h = held[0];
    if (!h) throw new AppError("NOT_FOUND", `channel ${channelId} does not exist`);
    throw new LeaseHeldError(channelId, h.owner, Math.max(0, Math.ceil(h.left)));
  }

  /**
   * An operator's change to the store (reset, clear, delete) ends the lease of a cycle
   * running at that moment, so the cycle cannot overwrite the change with what it read
   * before. The next cycle starts from the changed store.
   */
  static async fenceRunningCycle(sql: TSql, channelId: number): Promise<void> {
    await sql.$executeRawUnsafe(
      `UPDATE channel SET lease_token = lease_token + 1, lease_owner = NULL, lease_expires_at = NULL WHERE id = $1`,
      channelId,
    );
  }

  /**
   * Ends at once every lease a node holds, for when its process is known to be gone: the
   * node restarted under the same ID. Waiting for them to expire (up to FERRY_LEASE_SEC)
   * would only delay the next cycle. Safe even if the old process were somehow alive
   * (two processes started with one node ID): the bumped token fences its writes, as a
   * takeover after expiry would. Returns the channels released.
   */
  static async releaseHeldBy(sql: TSql, nodeId: number): Promise<number[]> {
    const rows = await sql.$queryRawUnsafe<Array<{ id: number }>>(
      `UPDATE channel SET lease_token = lease_token + 1, lease_owner = NULL, lease_expires_at = NULL
       WHERE lease_owner = $1 AND lease_expires_at IS NOT NULL RETURNING id`,
      nodeId,
    );
    return rows.map((r) => r.id);
  }

  async release(): Promise<void> {
    await this.db.$executeRawUnsafe(
      `UPDATE channel SET lease_owner = NULL, lease_expires_at = NULL WHERE id = $1 AND lease_token = $2`,
      this.channelId,
      this.token,
    );
  }
}
