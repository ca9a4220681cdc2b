// `npm run bench -- --channels [--channels-small 20 --channels-size 5000 --channels-big 100000]`:
// many channels on one node. One directory (slapd) holds the big channel's users; the
// small channels each provision a slice of them (a numbered group of --channels-size
// users) to a SCIM target of their own (SCIMMY, one process each), as thirty apps over
// one directory do. One real worker process (bin/worker.js, default lanes) runs them all:
//   1. the small channels' first loads (not measured);
//   2. the big channel's first load alone (the small channels switched off): its time;
//   3. the small channels alone: change latency, directory write -> their target;
//   4. the same first load again (a second big channel, a fresh target) while every small
//      channel cycles: its time, and the small channels' change latency while it runs;
//   5. the first load alone once more (a third big channel, a fresh target, the small
//      channels switched off): the shared load is weighed against the mean of the two lone
//      ones, before and after it, since this machine drifts by ±5% within an hour.
// Groups are not provisioned in this scenario (provisionGroups: false): it measures how
// the node shares itself between channels, not the group push.
import { readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import { Attribute, Change, Client } from "ldapts";
import { applyChannelConfig } from "../lib/channels/apply-channel-config.ts";
import { getDb } from "../lib/db/index.ts";
import { getEnv } from "../lib/env.ts";
import { directoryNames, generateDirectoryLdif, generatedDirectorySource, startSlapd } from "../devkit/slapd.ts";
import { waitFor } from "../devkit/wait-for.ts";
import { ensureBuilt } from "../scripts/build.mjs";
import { findUser, percentile, sleep, startWorkerProcess } from "./latency.ts";

type TTarget = { baseUrl: string; token: string; cpuMs: () => Promise<number>; stop: () => void };

export type TChannelsBenchResult = {
  small: number;
  size: number;
  big: number;
  pollSec: number;
  lanes: { concurrency: number; bulk: number };
  /** the big first load alone, before the shared one and after it */
  bigAloneMs: number;
  bigAloneAfterMs: number;
  bigSharedMs: number;
  /** each load's phases (the cycle's stats): reading the directory into the store, pushing to the target */
  phases: { alone: TPhases; shared: TPhases; aloneAfter: TPhases };
  /** CPU the big channel's target (SCIMMY, its own process) used during each load: the same work, so a difference is the machine's */
  bigTargetCpuMs: { alone: number; shared: number; aloneAfter: number };
  /** CPU during each load (ms): the whole machine (/proc/stat), the worker process, and the big target */
  cpu: { alone: TCpu; shared: TCpu; aloneAfter: TCpu };
  /** the small channels alone (their changes, no big load): how long it was measured and the CPU used (targetMs: none) */
  smallAlone: { ms: number; cpu: TCpu };
  /** how late the worker's event loop ran its callbacks during each load (one worker only) */
  loopDelay: { alone: TLoopDelay; shared: TLoopDelay; aloneAfter: TLoopDelay };
  /** change latency on the small channels, alone and while the big load ran (ms; -1: not there in time) */
  aloneSamplesMs: number[];
  sharedSamplesMs: number[];
  /** cycles the small channels ran while the big load ran, and what their sync frequency asks for */
  smallCyclesDuringLoad: number;
  smallCyclesExpected: number;
  /** the small channels' incremental cycles' wall times (ms), alone and while the big load ran */
  smallCycleMs: { alone: number[]; shared: number[] };
  /** 1-minute load average: before, during (min-max) and after the shared load */
  load: { before: number; during: number[]; after: number };
};

const loadNow = () => os.loadavg()[0]!;

type TPhases = { readMs: number; pushMs: number };
/**
 * CPU used during a load (ms): the whole machine (/proc/stat), the worker process, the big
 * target, and the rest of what runs beside them: PostgreSQL (every process, those that
 * ended meanwhile included), slapd, the small channels' targets, and
 * this bench process (the latency sampler).
 */
/** The worker's event-loop delay over a load (ms), from its metrics (prom-client's, reset at each scrape). */
type TLoopDelay = { meanMs: number; p99Ms: number; maxMs: number } | null;

type TCpu = { machineMs: number; workerMs: number; targetMs: number; postgresMs: number; slapdMs: number; smallTargetsMs: number; benchMs: number };

/** CPU the whole machine has used since boot (ms), from /proc/stat: every state but idle and iowait. */
function machineCpuMs(): number {
  const f = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/).slice(1).map(Number);
  const busy = f.reduce((a, b) => a + b, 0) - (f[3] ?? 0) - (f[4] ?? 0);
  return (busy * 1000) / 100; // USER_HZ is 100 on Linux
}

/** The worker's event-loop delay since the previous call (its /metrics; null when there is none to read). */
async function workerLoopDelay(port: number): Promise<TLoopDelay> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const v = (name: string) => {
      const m = text.match(new RegExp(`^nodejs_eventloop_lag_${name}_seconds (\\S+)$`, "m"));
      return m ? Number(m[1]) * 1000 : NaN;
    };
    const r = { meanMs: v("mean"), p99Ms: v("p99"), maxMs: v("max") };
    return Object.values(r).every(Number.isFinite) ? r : null;
  } catch {
    return null;
  }
}

/**
 * CPU PostgreSQL has used so far (ms): its running processes, and the backends that have
 * ended (connections closed), which the postmaster's children's times (cutime, cstime) hold.
 */
function postgresCpuMs(): number {
  const procs = new Map<number, { ppid: number; ms: number; childrenMs: number }>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, "utf8").trim() !== "postgres") continue;
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      procs.set(Number(d), { ppid: Number(f[1]), ms: ((Number(f[11]) + Number(f[12])) * 1000) / 100, childrenMs: ((Number(f[13]) + Number(f[14])) * 1000) / 100 });
    } catch {
      // gone meanwhile
    }
  }
  let ms = 0;
  for (const p of procs.values()) ms += p.ms + (procs.has(p.ppid) ? 0 : p.childrenMs);
  return ms;
}

/** CPU used so far by each running process whose name (/proc/<pid>/comm) is `name`, by pid (ms). */
function cpuOfProcessesNamed(name: string): Map<number, number> {
  const out = new Map<number, number>();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      if (readFileSync(`/proc/${d}/comm`, "utf8").trim() === name) out.set(Number(d), processCpuMs(Number(d)));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/** CPU the processes named `name` used between two readings (a process started meanwhile counts from its start). */
function cpuBetween(before: Map<number, number>, after: Map<number, number>): number {
  let ms = 0;
  for (const [pid, now] of after) ms += now - (before.get(pid) ?? 0);
  return ms;
}

/** CPU a process has used (ms; utime + stime of all its threads), from /proc/<pid>/stat. */
function processCpuMs(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(f[11]) + Number(f[12])) * 1000) / 100;
  } catch {
    return 0;
  }
}

export async function benchChannels(opts: {
  small: number;
  size: number;
  big: number;
  pollSec: number;
  concurrency: number;
  startTarget: () => Promise<TTarget>;
  env: NodeJS.ProcessEnv;
  /** two worker processes, one per lane (FERRY_WORKER_LANES), instead of one running both */
  split?: boolean;
  log: (line: string) => void;
}): Promise<TChannelsBenchResult> {
  const { small, size, big, pollSec, log } = opts;
  if (small * size > big) throw new Error(`--channels-small ${small} x --channels-size ${size} is more than the directory's ${big} users`);
  const dirOpts = { users: big, groups: small, membersPerGroup: size, modifiedFrom: new Date(Date.now() - (big + 3600) * 1000) };
  let t = performance.now();
  const slapd = await startSlapd({ ldif: generateDirectoryLdif(dirOpts) });
  log(`  slapd loaded in ${((performance.now() - t) / 1000).toFixed(1)} s (${big} users, ${small} groups of ${size})`);
  const names = directoryNames(dirOpts);
  const source = { ...generatedDirectorySource(slapd, names), pageSize: 1000 };
  const targets: TTarget[] = [];
  const worker = { current: undefined as (ReturnType<typeof startWorkerProcess> & { pids: Array<number | undefined> }) | undefined };
  const db = await getDb();
  try {
    const channel = async (name: string, groupDn: string, syncFrequencySec: number, active: boolean) => {
      const target = await opts.startTarget();
      targets.push(target);
      const config = {
        name,
        connectionId: name,
        active,
        syncFrequencySec,
        source: { ...source, groupDn },
        target: { url: target.baseUrl, auth: { type: "bearer", token: target.token }, maxConcurrency: opts.concurrency },
        options: { maxDeprovisionPercent: 100, provisionGroups: false, enforceUserAttributes: false },
      };
      const { id } = await applyChannelConfig({ actor: "bench", via: "cli", config });
      return { id, name, target, config };
    };
    const smalls: Array<Awaited<ReturnType<typeof channel>> & { g: number }> = [];
    for (let g = 0; g < small; g++) smalls.push({ ...(await channel(`small ${g + 1}`, names.groupDn(g), pollSec, true)), g });
    const bigAlone = await channel("big alone", names.provisionedGroupDn, 3600, false);
    const bigShared = await channel("big shared", names.provisionedGroupDn, 3600, false);
    const bigAloneAfter = await channel("big alone after", names.provisionedGroupDn, 3600, false);
    const setActive = async (ids: number[], active: boolean) => {
      for (const c of [...smalls, bigAlone, bigShared, bigAloneAfter].filter((x) => ids.includes(x.id))) {
        await applyChannelConfig({ actor: "bench", via: "cli", config: { ...c.config, active } });
      }
    };

    const workerJs = (await ensureBuilt()).file("worker/main");
    const lanes = { concurrency: getEnv().FERRY_WORKER_CONCURRENCY, bulk: getEnv().FERRY_WORKER_BULK_CONCURRENCY };
    if (opts.split) {
      // two workers (two nodes) on this machine: one runs only incremental cycles, one only long ones
      const inc = startWorkerProcess(workerJs, opts.env, { FERRY_WORKER_LANES: "incremental", FERRY_NODE_ID: "1" });
      const bulk = startWorkerProcess(workerJs, opts.env, { FERRY_WORKER_LANES: "bulk", FERRY_NODE_ID: "2" });
      worker.current = { pid: undefined, pids: [inc.pid, bulk.pid], output: () => `${inc.output()}\n${bulk.output()}`, stop: async () => (await Promise.all([inc.stop(), bulk.stop()]))[0] };
      log(`  two workers on this machine: FERRY_WORKER_LANES=incremental (${lanes.concurrency - lanes.bulk} slots) and FERRY_WORKER_LANES=bulk (${lanes.bulk} slots)`);
    } else {
      const w = startWorkerProcess(workerJs, opts.env);
      worker.current = { ...w, pids: [w.pid] };
      log(`  worker: ${lanes.concurrency} cycles at once, ${lanes.bulk} of them long (FERRY_WORKER_CONCURRENCY, FERRY_WORKER_BULK_CONCURRENCY)`);
    }

    // 1. the small channels' first loads
    t = performance.now();
    // loaded: read (lastFullSyncAt is set when the read ends) and pushed (nothing dirty,
    // no cycle running), so that their targets are idle when the lone load starts
    const smallIds = smalls.map((s) => s.id);
    await waitFor(
      "the small channels' first loads",
      async () =>
        (await db.channel.count({ where: { id: { in: smallIds }, lastFullSyncAt: { not: null } } })) === small &&
        (await db.userRecord.count({ where: { channelId: { in: smallIds }, dirty: true } })) === 0 &&
        (await db.cycle.count({ where: { channelId: { in: smallIds }, status: "RUNNING" } })) === 0,
      3_600_000,
      1_000,
    );
    log(`  ${small} small channels loaded (${small * size} users) in ${((performance.now() - t) / 1000).toFixed(1)} s`);

    // 2. the big first load alone
    await setActive(smalls.map((s) => s.id), false);
    await sleep(pollSec * 1000 + 2000);
    const alone = await loneLoad(bigAlone, "alone");
    // The shared load starts from the store the lone one started from: the lone load's
    // records (and their index entries) go, and the tables are vacuumed. Without this the
    // second load paid for a store a third larger: at 60 s polling, with 20 small cycles
    // in all during it, it took 29% longer than the first, which no sharing explains.
    await dropRecords(bigAlone.id);

    // 3. the small channels alone: change latency
    await setActive(smalls.map((s) => s.id), true);
    await sleep(pollSec * 2000);
    const sampler = latencySampler(smalls);
    const aloneFrom = new Date();
    // a minute of it: what the small channels alone ask of the machine, as CPU a second
    const smallT0 = performance.now();
    const smallCpu0 = await cpuNow(bigAlone.target);
    const aloneSamples = await sampler.run(() => performance.now() - smallT0 > 60_000, Infinity);
    const smallAlone = { ms: performance.now() - smallT0, cpu: await cpuSince(bigAlone.target, smallCpu0) };
    const perSec = (ms: number) => (ms / smallAlone.ms).toFixed(2);
    log(
      `  small channels alone, ${(smallAlone.ms / 1000).toFixed(0)} s: CPU ${perSec(smallAlone.cpu.machineMs)} cores in all; worker ${perSec(smallAlone.cpu.workerMs)}, ` +
        `PostgreSQL ${perSec(smallAlone.cpu.postgresMs)}, slapd ${perSec(smallAlone.cpu.slapdMs)}, their targets ${perSec(smallAlone.cpu.smallTargetsMs)}, this bench ${perSec(smallAlone.cpu.benchMs)}`,
    );
    const aloneCycles = await smallCycleMs(aloneFrom, new Date());
    log(`  small channels alone: change latency p50 ${fmtLatency(latencyPercentile(aloneSamples, 50))}, p95 ${fmtLatency(latencyPercentile(aloneSamples, 95))} (${aloneSamples.length} samples)`);

    // 4. the same first load while the small channels cycle
    const load = { before: loadNow(), during: [] as number[], after: 0 };
    await loopDelay();
    const sharedCpu0 = await cpuNow(bigShared.target);
    await setActive([bigShared.id], true);
    const started = await waitFor("the big first load started", async () => db.cycle.findFirst({ where: { channelId: bigShared.id } }), 120_000, 200);
    const loadRunning = async () => (await db.cycle.findUniqueOrThrow({ where: { id: started.id } })).status === "RUNNING";
    const watchLoad = setInterval(() => load.during.push(loadNow()), 5_000);
    const sharedSamples = await sampler.run(async () => !(await loadRunning()), Infinity);
    clearInterval(watchLoad);
    const shared = await firstLoadOf(bigShared.id);
    const sharedCpu = await cpuSince(bigShared.target, sharedCpu0);
    const sharedDelay = await loopDelay();
    load.after = loadNow();
    log(`  big first load with ${small} small channels cycling: ${fmtLoad(shared, sharedCpu, sharedDelay)}`);
    const sharedCycles = await smallCycleMs(shared.startedAt, shared.finishedAt);
    const smallCycles = sharedCycles.length;
    const expected = Math.floor((shared.ms / 1000 / pollSec) * small);

    // 5. the lone load again, after the shared one: the machine's drift meanwhile
    await setActive([bigShared.id], false);
    await setActive(smalls.map((s) => s.id), false);
    await dropRecords(bigShared.id);
    await sleep(pollSec * 1000 + 2000);
    const aloneAfter = await loneLoad(bigAloneAfter, "alone again");
    const aloneMean = (alone.ms + aloneAfter.ms) / 2;
    log(`  the shared load against the mean of the two lone ones: ${((shared.ms / aloneMean - 1) * 100).toFixed(1)}% slower`);
    const cyc = (xs: number[]) => `median ${percentile(xs, 50)} ms, p95 ${percentile(xs, 95)} ms`;
    log(`  small channels' incremental cycles: alone ${cyc(aloneCycles)}; during the big load ${cyc(sharedCycles)}`);
    log(`  small channels meanwhile: change latency p50 ${fmtLatency(latencyPercentile(sharedSamples, 50))}, p95 ${fmtLatency(latencyPercentile(sharedSamples, 95))} (${sharedSamples.length} samples; sync frequency ${pollSec} s); ${smallCycles} cycles (their frequency asks for about ${expected})`);
    return {
      small,
      size,
      big,
      pollSec,
      lanes,
      bigAloneMs: alone.ms,
      bigAloneAfterMs: aloneAfter.ms,
      bigSharedMs: shared.ms,
      phases: { alone: alone.phases, shared: shared.phases, aloneAfter: aloneAfter.phases },
      bigTargetCpuMs: { alone: alone.cpu.targetMs, shared: sharedCpu.targetMs, aloneAfter: aloneAfter.cpu.targetMs },
      cpu: { alone: alone.cpu, shared: sharedCpu, aloneAfter: aloneAfter.cpu },
      smallAlone,
      loopDelay: { alone: alone.delay, shared: sharedDelay, aloneAfter: aloneAfter.delay },
      aloneSamplesMs: aloneSamples,
      sharedSamplesMs: sharedSamples,
      smallCyclesDuringLoad: smallCycles,
      smallCyclesExpected: expected,
      smallCycleMs: { alone: aloneCycles, shared: sharedCycles },
      load,
    };
  } catch (err) {
    log(worker.current?.output().slice(-4000) ?? "");
    throw err;
  } finally {
    await worker.current?.stop();
    for (const x of targets) x.stop();
    await slapd.stop();
  }

  type TCpuReading = { machineMs: number; workerMs: number; targetMs: number; postgresMs: number; slapd: Map<number, number>; smallTargetsMs: number; benchMs: number };
  async function cpuNow(target: TTarget): Promise<TCpuReading> {
    const workerMs = (worker.current?.pids ?? []).reduce<number>((a, pid) => a + processCpuMs(pid), 0);
    // the small channels' targets were started first, one each
    const smallTargetsMs = (await Promise.all(targets.slice(0, small).map((t) => t.cpuMs()))).reduce((a, b) => a + b, 0);
    const u = process.cpuUsage();
    return {
      machineMs: machineCpuMs(),
      workerMs,
      targetMs: await target.cpuMs(),
      postgresMs: postgresCpuMs(),
      slapd: cpuOfProcessesNamed("slapd"),
      smallTargetsMs,
      benchMs: (u.user + u.system) / 1000,
    };
  }
  async function cpuSince(target: TTarget, from: TCpuReading): Promise<TCpu> {
    const now = await cpuNow(target);
    return {
      machineMs: now.machineMs - from.machineMs,
      workerMs: now.workerMs - from.workerMs,
      targetMs: now.targetMs - from.targetMs,
      postgresMs: now.postgresMs - from.postgresMs,
      slapdMs: cpuBetween(from.slapd, now.slapd),
      smallTargetsMs: now.smallTargetsMs - from.smallTargetsMs,
      benchMs: now.benchMs - from.benchMs,
    };
  }

  function fmtLoad(l: { ms: number; phases: TPhases }, cpu: TCpu, delay: TLoopDelay): string {
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const d = delay ? `; the worker's event-loop delay mean ${delay.meanMs.toFixed(1)} ms, p99 ${delay.p99Ms.toFixed(1)} ms, max ${delay.maxMs.toFixed(0)} ms` : "";
    return (
      `${s(l.ms)} (${Math.round(big / (l.ms / 1000))} users/s; read ${s(l.phases.readMs)}, push ${s(l.phases.pushMs)}); ` +
      `CPU: machine ${s(cpu.machineMs)} (${(cpu.machineMs / l.ms).toFixed(2)} cores), worker ${s(cpu.workerMs)}, big target ${s(cpu.targetMs)}, ` +
      `PostgreSQL ${s(cpu.postgresMs)}, slapd ${s(cpu.slapdMs)}, small targets ${s(cpu.smallTargetsMs)}, this bench ${s(cpu.benchMs)}${d}`
    );
  }

  async function setActiveOne(c: { config: object }, active: boolean) {
    await applyChannelConfig({ actor: "bench", via: "cli", config: { ...c.config, active } });
  }

  /** The big first load of `c` with nothing else running: its time, phases and CPU. */
  async function loneLoad(c: { id: number; target: TTarget; config: object }, label: string) {
    const before = loadNow();
    await loopDelay();
    const cpu0 = await cpuNow(c.target);
    await setActiveOne(c, true);
    const l = await firstLoadOf(c.id);
    const cpu = await cpuSince(c.target, cpu0);
    const delay = await loopDelay();
    log(`  big first load ${label}: ${fmtLoad(l, cpu, delay)}; load average ${before.toFixed(1)} -> ${loadNow().toFixed(1)}`);
    await setActiveOne(c, false);
    return { ...l, cpu, delay };
  }

  /** The worker's event-loop delay since the last call (one worker only: two would share the metrics port). */
  async function loopDelay(): Promise<TLoopDelay> {
    return opts.split ? null : workerLoopDelay(Number(opts.env.FERRY_METRICS_PORT ?? 9464));
  }

  /** A big channel's records go and the tables are vacuumed, so that the next load starts from the same store. */
  async function dropRecords(channelId: number) {
    await db.$executeRawUnsafe(`DELETE FROM user_record WHERE channel_id = $1`, channelId);
    await db.$executeRawUnsafe(`DELETE FROM group_record WHERE channel_id = $1`, channelId);
    await db.$executeRawUnsafe(`VACUUM ANALYZE user_record`);
    await db.$executeRawUnsafe(`VACUUM ANALYZE group_record`);
  }

  /** Wall times of the small channels' incremental cycles that started in the window. */
  async function smallCycleMs(from: Date, to: Date): Promise<number[]> {
    const rows = await db.cycle.findMany({
      where: { channel: { name: { startsWith: "small " } }, startedAt: { gte: from, lte: to }, finishedAt: { not: null } },
      select: { startedAt: true, finishedAt: true, stats: true },
    });
    return rows.filter((c) => (c.stats as { mode?: string } | null)?.mode === "incremental").map((c) => c.finishedAt!.getTime() - c.startedAt.getTime());
  }

  /** The channel's first cycle, once it has ended: it must have loaded everyone. */
  async function firstLoadOf(channelId: number) {
    const c = await waitFor(
      "a big first load",
      async () => (await db.cycle.findFirst({ where: { channelId, finishedAt: { not: null } }, orderBy: { id: "asc" } })) ?? null,
      7_200_000,
      500,
    );
    const stats = c.stats as { usersRead?: number; readMs?: number; pushMs?: number } | null;
    if (c.status !== "SUCCESS" || stats?.usersRead !== big) throw new Error(`the big first load ended ${c.status} after reading ${stats?.usersRead} users: ${c.message}`);
    const phases = { readMs: stats.readMs ?? 0, pushMs: stats.pushMs ?? 0 };
    return { ms: c.finishedAt!.getTime() - c.startedAt.getTime(), startedAt: c.startedAt, finishedAt: c.finishedAt!, phases };
  }

  /**
   * Directory writes on the small channels, eight at once, each on a user of one small
   * channel's slice, timed until that channel's target shows it (polled every 50 ms).
   * Stops when `done` says so (checked between samples) or after `count` samples.
   */
  /**
   * Change latency on the small channels: a directory write, then the time at which the
   * target acknowledged it, read from the store (the user record's last_synced_at, set
   * when the target's answer is recorded: an upper bound), read for every waiting sample
   * by one query every 100 ms; the target is then asked once whether it holds the value (a sample it
   * does not hold counts as missed). Polling each target instead (8 samplers each asking
   * a SCIMMY for a user by filter every 50 ms, 160 requests a second, each a scan of
   * 5,000 users) took so much of the two cores that it slowed the big load it measured.
   */
  function latencySampler(channels: Array<{ g: number; target: TTarget; id: number }>) {
    let n = 0;
    const PARALLEL = Math.min(8, channels.length);
    const giveUpMs = Math.max(60_000, pollSec * 6_000);
    // every waiting sample's record, read by one query every 100 ms (was a query per sample
    // every 50 ms: 160 a second from eight samplers, on the two cores the load runs on)
    type TWait = { channelId: number; name: string; t0: number; deadline: number; resolve: (at: number | null) => void };
    const waiting = new Set<TWait>();
    let polling = false;
    const poll = async () => {
      polling = true;
      while (waiting.size > 0) {
        await sleep(100);
        const list = [...waiting];
        const rows = await db
          .$queryRawUnsafe<Array<{ channelId: number; name: string; synced: Date | null; dirty: boolean }>>(
          `SELECT r.channel_id AS "channelId", r.provider_name AS name, r.last_synced_at AS synced, r.dirty
           FROM user_record r JOIN unnest($1::int[], $2::text[]) AS w(channel_id, name) ON r.channel_id = w.channel_id AND r.provider_name = w.name`,
          list.map((w) => w.channelId),
          list.map((w) => w.name),
          )
          .catch((err: unknown) => {
            log(`  latency sampler: reading the store failed (${(err as Error).message}); trying again`);
            return [];
          });
        const byKey = new Map(rows.map((r) => [`${r.channelId}/${r.name}`, r]));
        for (const w of list) {
          const r = byKey.get(`${w.channelId}/${w.name}`);
          if (r?.synced && r.synced.getTime() >= w.t0 && !r.dirty) {
            waiting.delete(w);
            w.resolve(r.synced.getTime());
          } else if (Date.now() > w.deadline) {
            waiting.delete(w);
            w.resolve(null);
          }
        }
      }
      polling = false;
    };
    /** When the target acknowledged the user's change made at t0 (null: not within giveUpMs). */
    const acknowledged = (channelId: number, name: string, t0: number) =>
      new Promise<number | null>((resolve) => {
        waiting.add({ channelId, name, t0, deadline: Date.now() + giveUpMs, resolve });
        if (!polling) void poll();
      });
    return {
      run: async (done: () => boolean | Promise<boolean>, count: number): Promise<number[]> => {
        const out: number[] = [];
        const admin = new Client({ url: slapd.url });
        await admin.bind(slapd.adminDn, slapd.adminPassword);
        try {
          await Promise.all(
            Array.from({ length: PARALLEL }, async () => {
              while (out.length < count && !(await done())) {
                const i = n++;
                const c = channels[i % channels.length]!;
                const u = c.g * size + (Math.floor(i / channels.length) % size);
                const value = `Lat ${i}`;
                // a sample starts right after the previous one arrived, that is just after a
                // cycle: it waits a share of the period first, spread evenly over it (the
                // golden-ratio sequence), as changes made at any moment would be
                await sleep(200 + ((i * 0.618034) % 1) * pollSec * 1000);
                const t0 = Date.now();
                await admin.modify(names.userDn(u), new Change({ operation: "replace", modification: new Attribute({ type: "givenName", values: [value] }) }));
                const synced = await acknowledged(c.id, names.uid(u), t0);
                const held = synced !== null && ((await findUser(c.target, names.uid(u)))?.name as { givenName?: string } | undefined)?.givenName === value;
                out.push(held ? Math.max(0, synced! - t0) : -1);
              }
            }),
          );
        } finally {
          await admin.unbind();
        }
        return out;
      },
    };
  }
}

/** A percentile of latency samples, a miss (-1: not at the target in time) counting as longer than any. */
export function latencyPercentile(samplesMs: number[], p: number): number {
  return percentile(samplesMs.map((x) => (x < 0 ? Infinity : x)), p);
}

export function fmtLatency(ms: number): string {
  return ms === Infinity ? "missed" : `${(ms / 1000).toFixed(2)} s`;
}
