// The process's share of a host's rate: sending slots reserved from the shared row in
// chunks (reserve-slots.ts), handed to waiting requests in order. A chunk covers at most
// HORIZON_MS of the rate: large enough that a busy process makes one database round trip
// per several requests, small enough that slots it reserved and then did not need cost
// the other senders little. A slot not taken within STALE_MS of its time is dropped, so
// leftovers from a busy spell cannot go out together later as a burst.
import type { TSql } from "../db/index.ts";
import { reserveSlots, type TReserve } from "./reserve-slots.ts";

const HORIZON_MS = 200;
const STALE_MS = 250;

export type TLimits = { requestsPerSecond: number | null; writesPerMinute: number | null; burst: number };

type TWaiter = { write: boolean; resolve: () => void; reject: (err: unknown) => void };

export type TPoolStats = { reservations: number; waitedMs: number };

export class SlotPool {
  private requestSlots: number[] = [];
  private writeSlots: number[] = [];
  private waiters: TWaiter[] = [];
  private reserving = false;
  // slots handed out in the current and the previous second: how much a chunk should hold
  private used = { requests: 0, writes: 0, since: Date.now(), lastRequestsPerMs: 0, lastWritesPerMs: 0 };
  readonly stats: TPoolStats = { reservations: 0, waitedMs: 0 };

  constructor(
    private readonly db: TSql,
    private readonly host: string,
    private readonly limits: TLimits,
  ) {}

  /** Resolves when this request may be sent; rejects (nothing sent) when the database cannot be asked. */
  acquire(write: boolean): Promise<void> {
    const asked = Date.now();
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({
        write,
        resolve: () => {
          this.stats.waitedMs += Date.now() - asked;
          resolve();
        },
        reject,
      });
      this.pump();
    });
  }

  /** After a 429: slots reserved before it would go out during the pause; reserve anew. */
  dropSlots(): void {
    this.requestSlots = [];
    this.writeSlots = [];
  }

  private get limitsRequests(): boolean {
    return this.limits.requestsPerSecond !== null;
  }

  private limitsWrites(w: TWaiter): boolean {
    return w.write && this.limits.writesPerMinute !== null;
  }

  /** Gives waiters the slots in hand, in order, and reserves more when some are left waiting. */
  private pump(): void {
    const now = Date.now();
    while (this.requestSlots.length > 0 && this.requestSlots[0]! < now - STALE_MS) this.requestSlots.shift();
    while (this.writeSlots.length > 0 && this.writeSlots[0]! < now - STALE_MS) this.writeSlots.shift();
    const left: TWaiter[] = [];
    let needRequests = 0;
    let needWrites = 0;
    for (const w of this.waiters) {
      const r = this.limitsRequests && this.requestSlots.length === 0;
      const wr = this.limitsWrites(w) && this.writeSlots.length === 0;
      if (r || wr) {
        left.push(w);
        needRequests++;
        if (this.limitsWrites(w)) needWrites++;
        continue;
      }
      const at = Math.max(this.limitsRequests ? this.requestSlots.shift()! : 0, this.limitsWrites(w) ? this.writeSlots.shift()! : 0);
      this.count(w.write);
      if (at <= now) w.resolve();
      else setTimeout(w.resolve, at - now);
    }
    this.waiters = left;
    if (left.length > 0 && !this.reserving) void this.reserve(needRequests, needWrites);
  }

  private count(write: boolean): void {
    const now = Date.now();
    if (now - this.used.since >= 1000) {
      this.used.lastRequestsPerMs = this.used.requests / (now - this.used.since);
      this.used.lastWritesPerMs = this.used.writes / (now - this.used.since);
      this.used.requests = 0;
      this.used.writes = 0;
      this.used.since = now;
    }
    this.used.requests++;
    if (write) this.used.writes++;
  }

  /** A chunk: what is waiting, or the demand of the last second over the horizon if more, within the horizon's share of the rate. */
  private chunk(waiting: number, perMs: number, perSecond: number | null): number {
    if (perSecond === null || waiting === 0) return 0;
    const most = Math.max(1, Math.ceil((perSecond * HORIZON_MS) / 1000));
    return Math.min(most, Math.max(waiting, Math.round(perMs * HORIZON_MS)));
  }

  private async reserve(needRequests: number, needWrites: number): Promise<void> {
    this.reserving = true;
    const { requestsPerSecond, writesPerMinute, burst } = this.limits;
    const ask: TReserve = {
      host: this.host,
      requests: this.chunk(needRequests, this.used.lastRequestsPerMs, requestsPerSecond),
      requestInterval: requestsPerSecond ? 1 / requestsPerSecond : 0,
      writes: this.chunk(needWrites, this.used.lastWritesPerMs, writesPerMinute === null ? null : writesPerMinute / 60),
      writeInterval: writesPerMinute ? 60 / writesPerMinute : 0,
      burst,
      requestsPerSecond,
      writesPerMinute,
    };
    try {
      const sent = Date.now();
      const r = await reserveSlots(this.db, ask);
      this.stats.reservations++;
      for (let i = 0; i < ask.requests; i++) this.requestSlots.push(sent + r.requestStartMs + i * r.requestSpacingMs);
      for (let i = 0; i < ask.writes; i++) this.writeSlots.push(sent + r.writeStartMs + i * r.writeSpacingMs);
    } catch (err) {
      // fail closed: nobody waiting is sent without a slot; each request fails, its record stays dirty
      const waiting = this.waiters;
      this.waiters = [];
      for (const w of waiting) w.reject(err);
    } finally {
      this.reserving = false;
    }
    if (this.waiters.length > 0) this.pump();
  }
}
