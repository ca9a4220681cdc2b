// The shared rate governor as the SCIM transport sees it (lib/scim/transport.ts TRateGate):
// before each attempt acquire(), after a 429 throttled(). One gate per target host and
// limits in a process, shared by every channel the process runs against that host; the
// host's row in PostgreSQL is shared by every process.
//
// With target.rateLimit set, requests wait for slots of the host's rate (slot-pool.ts).
// Without it, nothing is reserved and the hot path stays free of database calls: a sender
// looks, once a second and beside its requests, whether another has paused the host
// after a 429.
// Either way a 429 anywhere pauses every sender to the host for its Retry-After.
//
// Fail closed: when the database cannot be asked, acquire() rejects and the request is
// not sent (the transport turns that into a transient ScimError: retried, then the
// record stays dirty). A governor failure is never an answer from the target, so it
// decides nothing about anyone's deprovisioning.
import type { TSql } from "../db/index.ts";
import { governorThrottles, governorWaitSeconds } from "../metrics/registry.ts";
import { resolveTargetProfile, type TRateLimit } from "../scim/profiles.ts";
import type { TRateGate } from "../scim/transport.ts";
import { targetHost } from "./host-key.ts";
import { recordThrottle } from "./record-throttle.ts";
import { SlotPool, type TLimits } from "./slot-pool.ts";

type TGovernedTarget = { url: string } & Parameters<typeof resolveTargetProfile>[0];

/** How often a sender without a configured rate looks for a pause another sender set. */
const PAUSE_LOOK_MS = 1000;
/** How long what it saw serves while it looks again; older than that, a sender waits for the look. */
const PAUSE_TRUST_MS = 5000;

class HostGate implements TRateGate {
  private readonly pool: SlotPool | null;
  private pausedUntil = 0;
  private lookedAt = 0;
  private looking: Promise<void> | null = null;

  constructor(
    private readonly db: TSql,
    readonly host: string,
    limits: TLimits | null,
  ) {
    this.pool = limits ? new SlotPool(db, host, limits) : null;
  }

  async acquire(write: boolean): Promise<void> {
    const t0 = Date.now();
    if (this.pool) {
      // the shared row's slots start after any pause
      await this.pool.acquire(write);
    } else {
      // what was seen within the last seconds serves while a fresh look runs beside the
      // requests; only a sender that has not seen the row lately waits for it (and fails closed)
      const age = Date.now() - this.lookedAt;
      if (age >= PAUSE_LOOK_MS) {
        const look = (this.looking ??= this.look().finally(() => (this.looking = null)));
        if (age >= PAUSE_TRUST_MS) await look;
        else look.catch(() => undefined);
      }
      const wait = this.pausedUntil - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const waited = Date.now() - t0;
    if (waited > 0) governorWaitSeconds.inc({ host: this.host }, waited / 1000);
  }

  async throttled(pauseMs: number): Promise<void> {
    governorThrottles.inc({ host: this.host });
    this.pausedUntil = Math.max(this.pausedUntil, Date.now() + pauseMs);
    this.pool?.dropSlots();
    await recordThrottle(this.db, this.host, pauseMs);
  }

  private async look(): Promise<void> {
    const sent = Date.now();
    const rows = await this.db.$queryRawUnsafe<Array<{ ms: number }>>(
      `SELECT GREATEST(0, EXTRACT(EPOCH FROM paused_until - now()) * 1000) AS ms FROM target_governor WHERE host = $1`,
      this.host,
    );
    this.pausedUntil = Math.max(this.pausedUntil, sent + Number(rows[0]?.ms ?? 0));
    this.lookedAt = Date.now();
  }
}

/** Without a configured burst: 100 ms of the rate (at least one), small beside any target's own bucket. */
function defaultBurst(rl: TRateLimit): number {
  const perSecond = Math.max(rl.requestsPerSecond ?? 0, (rl.writesPerMinute ?? 0) / 60);
  return Math.max(1, Math.round(perSecond / 10));
}

const gates = new WeakMap<TSql, Map<string, HostGate>>();

/** The gate for a target's host and its effective limits (the channel's rateLimit, else its profile's), shared by every channel of this process that sends there. */
export function rateGate(db: TSql, target: TGovernedTarget): TRateGate {
  const host = targetHost(target.url);
  const rl = resolveTargetProfile(target).rateLimit;
  const limits: TLimits | null =
    rl && (rl.requestsPerSecond !== undefined || rl.writesPerMinute !== undefined)
      ? { requestsPerSecond: rl.requestsPerSecond ?? null, writesPerMinute: rl.writesPerMinute ?? null, burst: rl.burst ?? defaultBurst(rl) }
      : null;
  const key = `${host} ${limits ? `${limits.requestsPerSecond}/s ${limits.writesPerMinute}/min burst ${limits.burst}` : "pause-only"}`;
  let byKey = gates.get(db);
  if (!byKey) gates.set(db, (byKey = new Map()));
  let gate = byKey.get(key);
  if (!gate) byKey.set(key, (gate = new HostGate(db, host, limits)));
  return gate;
}
