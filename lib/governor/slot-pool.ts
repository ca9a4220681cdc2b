// The process's share of a host's rate: sending slots reserved from the shared row in
// chunks (reserve-slots.ts), handed to waiting requests in order. A chunk covers at most
// HORIZON_MS of the rate: large enough that a busy process makes one database round trip
// per several requests, small enough that slots it reserved and then did not need cost
// the other senders little. While requests keep coming, the next chunk is reserved when
// the slots in hand cover less than the horizon, so a busy process never stands
// waiting for the database (it holds one to two horizons of its own pace). A process the machine stalled does not send what it missed
// all at once: a slot taken late still keeps the rate's interval from the one before,
// and one not taken within STALE_MS of its time is dropped.
import type { TSql } from "../db/index.ts";
import { DatabaseClock } from "./database-clock.ts";
import { HEADROOM, reserveSlots, type TReserve } from "./reserve-slots.ts";

const HORIZON_MS = 200;
const STALE_MS = 500;

export type TLimits = { requestsPerSecond: number | null; writesPerMinute: number | null; burst: number };

type TWaiter = { write: boolean; resolve: () => void; reject: (err: unknown) => void };

export type TPoolStats = { reservations: number; waitedMs: number };

export class SlotPool {
  private requestSlots: number[] = [];
  private writeSlots: number[] = [];
  private waiters: TWaiter[] = [];
  private reserving = false;
  // the last request chunk's size, and whether it started at once (the host's schedule had room)
  private lastChunk = 0;
  private roomy = false;
  // when the last request and write were let go, and the intervals of the latest chunk
  private lastRequest = 0;
  private lastWrite = 0;
  private requestSpacingMs = 0;
  private writeSpacingMs = 0;
  // slots handed out in the current and the previous second: how much a chunk should hold
  private used = { requests: 0, writes: 0, since: Date.now(), lastRequestsPerMs: 0, lastWritesPerMs: 0 };
  readonly stats: TPoolStats = { reservations: 0, waitedMs: 0 };
  private readonly clock = new DatabaseClock();

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
      // a slot taken late still goes no closer to the last one than the rate's interval
      let at = 0;
      if (this.limitsRequests) at = this.lastRequest = Math.max(this.requestSlots.shift()!, this.lastRequest + this.requestSpacingMs);
      if (this.limitsWrites(w)) at = Math.max(at, (this.lastWrite = Math.max(this.writeSlots.shift()!, this.lastWrite + this.writeSpacingMs)));
      this.count(w.write);
      // a timer cannot wait less than a millisecond: a slot due within one goes now
      if (at < now + 1) w.resolve();
      else setTimeout(w.resolve, at - now);
    }
    this.waiters = left;
    if (this.reserving) return;
    if (left.length > 0) return void this.reserve(needRequests, needWrites);
    // ahead of need: requests keep coming and the slots in hand last less than the
    // horizon (by their times where the rate binds, by their number at the recent pace where it does not)
    const busy = this.used.requests > 0 && now - this.used.since < 1000;
    const perMs = this.pace();
    const coveredMs = Math.max((this.requestSlots.at(-1) ?? now) - now, perMs > 0 ? this.requestSlots.length / perMs : 0);
    if (busy && this.limitsRequests && coveredMs < HORIZON_MS) void this.reserve(1, 0);
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

  /** Requests per ms lately: the last whole second's, or the current one's when busier. */
  private pace(): number {
    // the current second counts as a whole second: two requests in its first millisecond are not a pace
    return Math.max(this.used.lastRequestsPerMs, this.used.requests / Math.max(1000, Date.now() - this.used.since));
  }

  /** A chunk: what is waiting, or this process's own pace over the horizon if more, within the horizon's share of the rate. */
  private chunk(waiting: number, perMs: number, perSecond: number | null): number {
    if (perSecond === null || waiting === 0) return 0;
    const most = Math.max(1, Math.ceil((perSecond * HORIZON_MS) / 1000));
    // while the host's schedule has room (the last chunk started at once), chunks double,
    // as TCP's slow start does: a new sender's pace is not known yet and nobody waits behind it
    const grown = this.roomy ? this.lastChunk * 2 : 0;
    return Math.min(most, Math.max(waiting, Math.round(perMs * HORIZON_MS), grown));
  }

  private async reserve(needRequests: number, needWrites: number): Promise<void> {
    this.reserving = true;
    const { requestsPerSecond, writesPerMinute, burst } = this.limits;
    const ask: TReserve = {
      host: this.host,
      requests: this.chunk(needRequests, this.pace(), requestsPerSecond),
      requestInterval: requestsPerSecond ? 1 / (requestsPerSecond * HEADROOM) : 0,
      writes: this.chunk(needWrites, this.used.lastWritesPerMs, writesPerMinute === null ? null : writesPerMinute / 60),
      writeInterval: writesPerMinute ? 60 / (writesPerMinute * HEADROOM) : 0,
      burst,
      requestsPerSecond,
      writesPerMinute,
    };
    try {
      const sent = Date.now();
      const r = await reserveSlots(this.db, ask);
      this.stats.reservations++;
      // slots of the burst may start in the past: they are fresh from now, not already stale
      const got = Date.now();
      const local = this.clock.toLocal(r.dbNowMs, sent, got);
      this.requestSpacingMs = r.requestSpacingMs;
      if (ask.requests > 0) {
        this.lastChunk = ask.requests;
        this.roomy = r.requestStartMs <= 0;
      }
      this.writeSpacingMs = r.writeSpacingMs;
      for (let i = 0; i < ask.requests; i++) this.requestSlots.push(Math.max(got, local + r.requestStartMs + i * r.requestSpacingMs));
      for (let i = 0; i < ask.writes; i++) this.writeSlots.push(Math.max(got, local + r.writeStartMs + i * r.writeSpacingMs));
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
