// Push mode (source.syncMode "push"): while a worker provisions, it keeps one watcher per
// push channel on the channel's change feed (TChangeFeed.watch: RFC 4533
// refreshAndPersist on OpenLDAP, a persistent search over the retro changelog on 389-DS,
// a change notification search on Active Directory) and asks for a cycle soon after the directory reports a
// change, debounced. The watcher only says *that* something changed; the cycle reads
// what, from the stored cookie, like any incremental cycle, behind the same guard.
//
// - A feed without watch() is polled: a cycle is asked for every POLL_MS.
// - Until the first full read has stored a cookie the channel is polled too.
// - A lost connection, a directory restart: the watcher reconnects with backoff, 1 s
//   doubling to 60 s, and once the watch is back asks for one cycle, which reads from the
//   stored cookie what was missed. No cycle is asked for while the directory is down
//   (failed cycles count towards quarantine). A refused cookie asks for a cycle at once:
//   it reads everything (never "everyone is gone") and stores a new cookie.
// - A change reported while a cycle runs: that cycle, when it ends, queues the next one a
//   whole period later (run-cycle-job.ts replaces the waiting job). The watcher keeps its
//   request pending until a cycle starts after it and asks again if the waiting cycle was
//   pushed out.
//
// Several ACTIVE nodes each watch every push channel; their requests land on the
// channel's one waiting job (job key), so a change runs one cycle.
import { abortableSleep } from "../abortable-sleep.ts";
import { z } from "zod";
import { getDb } from "../db/index.ts";
import { readStoredChannel } from "../channel-config/stored.ts";
import { FeedResetError } from "../ldap/change-feed.ts";
import { changeFeedFor } from "../ldap/change-feeds.ts";
import { Directory } from "../ldap/directory.ts";
import { userAttributes, userScopeFilter } from "../ldap/scope.ts";
import type { TLogger } from "../log.ts";
import { cycleJobKey } from "./cycle-job-names.ts";
import { requestCycleSoon } from "./request-cycle.ts";

const DEBOUNCE_MS = 200;
const POLL_MS = 5_000;
const BACKOFF_FIRST_MS = 1_000;
const BACKOFF_MAX_MS = 60_000;
/** A watch that is still up this long after reconnecting is back: one cycle catches up. */
const RECONNECTED_MS = 2_000;
/** A watch that lasted this long before failing was healthy: its backoff starts again from the first step. */
const HEALTHY_MS = 30_000;

const ZPushMode = z.object({ syncMode: z.literal("push") });

type TWatcher = { fingerprint: string; abort: AbortController; done: Promise<void> };

export class PushWatchers {
  private readonly watchers = new Map<number, TWatcher>();

  constructor(private readonly log: TLogger) {}

  /** Starts a watcher for every active push channel, stops those no longer wanted, restarts those whose source changed. */
  async reconcile(): Promise<void> {
    const db = await getDb();
    const rows = await db.channel.findMany({ where: { active: true, connectionActive: true }, select: { id: true, source: true } });
    const wanted = new Map<number, string>();
    for (const r of rows) {
      // only the mode is looked at here; the watcher reads the whole channel through readStoredChannel
      if (ZPushMode.safeParse(r.source).success) wanted.set(r.id, JSON.stringify(r.source));
    }
    for (const [id, w] of this.watchers) {
      if (wanted.get(id) !== w.fingerprint) await this.stop(id);
    }
    for (const [id, fingerprint] of wanted) {
      if (this.watchers.has(id)) continue;
      const abort = new AbortController();
      const done = watchChannel(id, abort.signal, this.log).catch((err: unknown) => {
        this.log.error("push watcher stopped", { channel: id, error: (err as Error).message });
      });
      this.watchers.set(id, { fingerprint, abort, done });
      this.log.info("push mode: watching the directory", { channel: id });
    }
  }

  async stop(id: number): Promise<void> {
    const w = this.watchers.get(id);
    if (!w) return;
    this.watchers.delete(id);
    w.abort.abort();
    await w.done;
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.watchers.keys()].map((id) => this.stop(id)));
  }

  get size(): number {
    return this.watchers.size;
  }
}


/** One channel's watcher, until `signal` aborts. Nothing but the abort ends it: every failure is retried with backoff. */
async function watchChannel(channelId: number, signal: AbortSignal, log: TLogger): Promise<void> {
  const asker = new CycleAsker(channelId, log);
  let backoff = BACKOFF_FIRST_MS;
  let reconnecting = false;
  try {
    while (!signal.aborted) {
      const started = Date.now();
      let catchUp: NodeJS.Timeout | null = null;
      let dir: Directory | null = null;
      try {
        const db = await getDb();
        const row = await db.channel.findUnique({ where: { id: channelId } });
        if (!row) return;
        const cfg = readStoredChannel(row);
        const feed = changeFeedFor(cfg.source);
        const cookie = row.changeFeed === feed.kind ? row.changeCookie : null;
        if (!feed.watch || !cookie) {
          // nothing to push from (yet): short cycles
          asker.ask("push mode (polled)");
          await abortableSleep(POLL_MS, signal);
          continue;
        }
        // after a failure: one cycle once the watch is back (a deletion answered by a present
        // phase, after a restart emptied syncprov's session log, is no event of its own)
        if (reconnecting) catchUp = setTimeout(() => asker.ask("push mode: reconnected"), RECONNECTED_MS);
        dir = await Directory.open(cfg.source);
        const req = { dir, source: cfg.source, filter: userScopeFilter(cfg.source), attributes: userAttributes(cfg.source), since: row.attributeSyncTimestamp };
        await feed.watch(req, cookie, signal, () => asker.ask("push mode: the directory changed"));
        if (signal.aborted) return;
        throw new Error("the change feed stopped watching");
      } catch (err) {
        if (catchUp && Date.now() - started < RECONNECTED_MS) clearTimeout(catchUp);
        if (signal.aborted) return;
        if (Date.now() - started >= HEALTHY_MS) backoff = BACKOFF_FIRST_MS;
        // a refused cookie: the cycle reads everything and stores a new one. Otherwise no
        // cycle while the directory may be down (each failed cycle counts towards quarantine)
        if (err instanceof FeedResetError) asker.ask("push mode: the directory asks for a full read");
        log.warn("push mode: the watch ended; reconnecting", { channel: channelId, error: (err as Error).message, retryInMs: backoff });
        reconnecting = true;
        await abortableSleep(backoff, signal);
        backoff = Math.min(backoff * 2, BACKOFF_MAX_MS);
      } finally {
        await dir?.close();
      }
    }
  } finally {
    asker.close();
  }
}

/**
 * Asks for a cycle, debounced, and keeps asking until a cycle has started after the
 * request (a cycle that was running when it came queues its successor a period later).
 */
class CycleAsker {
  private timer: NodeJS.Timeout | null = null;
  private follow: NodeJS.Timeout | null = null;
  /** the channel's newest cycle id when the pending request was made */
  private pendingAfter: bigint | null = null;
  private trigger = "push";
  private closed = false;

  constructor(
    private readonly channelId: number,
    private readonly log: TLogger,
  ) {}

  ask(trigger: string): void {
    if (this.closed) return;
    this.trigger = trigger;
    this.timer ??= setTimeout(() => {
      this.timer = null;
      void this.request().catch((err: unknown) => this.log.warn("push mode: asking for a cycle failed", { channel: this.channelId, error: (err as Error).message }));
    }, DEBOUNCE_MS);
  }

  private async request(): Promise<void> {
    const db = await getDb();
    const [last] = await db.$queryRawUnsafe<Array<{ id: bigint | null }>>(`SELECT max(id) AS id FROM cycle WHERE channel_id = $1`, this.channelId);
    this.pendingAfter = last?.id ?? 0n;
    await requestCycleSoon(this.channelId, this.trigger);
    this.follow ??= setInterval(() => void this.check().catch(() => undefined), 1_000);
  }

  private async check(): Promise<void> {
    if (this.pendingAfter === null || this.closed) return this.stopFollowing();
    const db = await getDb();
    const [r] = await db.$queryRawUnsafe<Array<{ started: boolean; late: boolean }>>(
      `SELECT EXISTS (SELECT 1 FROM cycle WHERE channel_id = $1 AND id > $2) AS started,
              EXISTS (SELECT 1 FROM graphile_worker.jobs WHERE key = $3 AND locked_at IS NULL AND run_at > now() + interval '2 seconds') AS late`,
      this.channelId,
      this.pendingAfter,
      cycleJobKey(this.channelId),
    );
    if (r?.started) {
      this.pendingAfter = null;
      return this.stopFollowing();
    }
    if (r?.late) await requestCycleSoon(this.channelId, this.trigger);
  }

  private stopFollowing(): void {
    if (this.follow) clearInterval(this.follow);
    this.follow = null;
  }

  close(): void {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.stopFollowing();
  }
}
