// Something that is stopped once (a cycle's SCIM client: fenced, aborted), and waits that
// end early when it is. Each wait subscribes for its own duration only. Racing every wait
// against one promise that settles at stop() — Promise.race([wait, stopping]) — leaks:
// the long-lived promise keeps a reaction (and through it the race's promise, closure and
// context) for every race until it settles, which in a cycle that is never stopped is
// never (nodejs/node#17469). That was 300 bytes per SCIM request: at a million users a
// first load outgrew the worker's 256 MB heap, and its push fell from 850 to 30 users a
// second as the collector ran without end.
export class Stopper {
  private done = false;
  private readonly waiters = new Set<() => void>();

  get stopped(): boolean {
    return this.done;
  }

  stop(): void {
    if (this.done) return;
    this.done = true;
    for (const wake of this.waiters) wake();
    this.waiters.clear();
  }

  /** `p`'s outcome, or `undefined` as soon as stop() is called (or at once if it was). */
  async race<T>(p: Promise<T>): Promise<T | undefined> {
    if (this.done) {
      // the loser may still fail: nobody waits for it
      p.catch(() => undefined);
      return undefined;
    }
    let wake!: () => void;
    const stopped = new Promise<undefined>((resolve) => (wake = () => resolve(undefined)));
    this.waiters.add(wake);
    try {
      return await Promise.race([p, stopped]);
    } finally {
      this.waiters.delete(wake);
    }
  }
}
