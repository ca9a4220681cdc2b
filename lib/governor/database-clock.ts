// The database's clock as seen from this process. Slots are scheduled on the database's
// clock, shared by every node; a process sends on its own. Taking "the database's now"
// as the moment the answer left would place every slot early by the trip back, and by a
// different amount each time, so that two processes' slots drift into each other. As
// NTP does, the offset is taken from the quickest round trip recently seen: its midpoint
// is closest to when the database read its clock. Kept for a minute, then re-learnt, so
// a clock stepped on either side is followed.
const KEEP_MS = 60_000;

export class DatabaseClock {
  private best: { rttMs: number; offsetMs: number; at: number } | null = null;

  /** The local time (ms since the epoch) of `dbNowMs`, learning from a round trip sent..got. */
  toLocal(dbNowMs: number, sent: number, got: number): number {
    const rttMs = got - sent;
    const offsetMs = dbNowMs - (sent + got) / 2;
    if (!this.best || rttMs <= this.best.rttMs || got - this.best.at > KEEP_MS) this.best = { rttMs, offsetMs, at: got };
    return dbNowMs - this.best.offsetMs;
  }
}
