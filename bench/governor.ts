// `npm run bench -- --governor [--users 2000] [--rate 100]`: the shared rate governor.
//
// 1. Its cost on the hot path: the same first load (half the users, a fresh SCIMMY each)
//    with no rateLimit (no database call per request; only a look for pauses once a
//    second) and with one so high it never binds (every request takes a slot), and the
//    governor's statements per request, counted by PostgreSQL (pg_stat_user_tables).
// 2. Its purpose: one SCIMMY behind a loopback proxy that takes R requests per second
//    and answers 429 with Retry-After above that (devkit/rate-limit-proxy.ts). Two
//    channels (even and odd uids), each cycle in its own process (two nodes as far as the
//    governor can tell: two database clients, two slot pools), load their halves at once
//    with target.rateLimit.requestsPerSecond = R. Printed: the rate the proxy forwarded as
//    % of R (from the first request to the last, and over the middle 80% of that span),
//    and the share of requests it answered 429. Goal: >= 95% of R, < 1% 429.
// 3. For contrast, the same pair without rateLimit: only the 429 pauses are shared.
import os from "node:os";
import { applyChannelConfig } from "../lib/channels/apply-channel-config.ts";
import { getDb } from "../lib/db/index.ts";
import { startRateLimitProxy } from "../devkit/rate-limit-proxy.ts";
import { generatedDirectorySource, type directoryNames, type startSlapd } from "../devkit/slapd.ts";
import { child, firstLine, startTarget } from "./processes.ts";

type TRow = { step: string; ms: number; objects?: number; rssMb?: number; note?: string };
type TCycle = { ms: number; governorWaitMs: number; status: string; message: string; maxRssMb: number; stats: { scimRequests: number; usersWritten: number } };

const PARITY = {
  even: "(|(uid=*0)(uid=*2)(uid=*4)(uid=*6)(uid=*8))",
  odd: "(|(uid=*1)(uid=*3)(uid=*5)(uid=*7)(uid=*9))",
};

export async function benchGovernor(o: {
  slapd: Awaited<ReturnType<typeof startSlapd>>;
  names: ReturnType<typeof directoryNames>;
  env: NodeJS.ProcessEnv;
  users: number;
  concurrency: number;
  rate: number;
}): Promise<TRow[]> {
  const rows: TRow[] = [];
  const { groupDn: _scopedByGroup, ...source } = generatedDirectorySource(o.slapd, o.names);
  let n = 0;
  const channel = async (url: string, token: string, half: keyof typeof PARITY, rateLimit?: Record<string, number>) => {
    n++;
    const { id } = await applyChannelConfig({
      actor: "bench",
      via: "cli",
      config: {
        name: `governor ${n} ${half}`,
        connectionId: `governor-${n}`,
        source: { ...source, filter: PARITY[half], pageSize: 1000 },
        // a lookup and a create per user (not the inventory's one create): a longer load against R, the same as the published figures
        target: { url, auth: { type: "bearer", token }, maxConcurrency: o.concurrency, userMatching: "lookup-first", ...(rateLimit ? { rateLimit } : {}) },
        options: { maxDeprovisionPercent: 100, provisionGroups: false },
      },
    });
    return id;
  };
  const load = () => os.loadavg()[0]!.toFixed(1);

  // 1. the hot path: without a rate and with one that never binds
  for (const [label, rateLimit] of [
    ["no rateLimit", undefined],
    ["rateLimit 100000/s, never binds", { requestsPerSecond: 100_000, burst: 1000 }],
  ] as const) {
    const target = await startTarget(o.env);
    try {
      const id = await channel(target.baseUrl, target.token, "even", rateLimit);
      const before = await governorStatements();
      const load0 = load();
      const [r] = await cycles([id], o.env);
      const statements = (await governorStatements()) - before;
      const perRequest = statements / r!.stats.scimRequests;
      rows.push({
        step: `governor cost: first load of ${r!.stats.usersWritten} users, ${label}`,
        ms: r!.ms,
        objects: r!.stats.usersWritten,
        rssMb: r!.maxRssMb,
        note: `${r!.stats.scimRequests} SCIM requests, ${statements} governor statements (${perRequest.toFixed(3)} per request), requests waited ${(r!.governorWaitMs / r!.stats.scimRequests).toFixed(2)} ms each on average for it; load ${load0}-${load()}`,
      });
      console.log(`  ${label}: ${(r!.ms / 1000).toFixed(2)} s, ${r!.stats.scimRequests} requests, ${statements} governor statements (${perRequest.toFixed(3)}/request), waited ${(r!.governorWaitMs / r!.stats.scimRequests).toFixed(2)} ms/request, load ${load0}-${load()}`);
    } finally {
      target.stop();
    }
  }

  // 2 and 3. two channels in two processes behind a proxy of capacity R, with and without the governor's rate
  const pairs: Array<[string, Record<string, number> | undefined]> = [
    [`rateLimit ${o.rate}/s`, { requestsPerSecond: o.rate }],
    ["no rateLimit (shared 429 pauses only)", undefined],
  ];
  for (const [label, rateLimit] of pairs) {
    const target = await startTarget(o.env);
    const proxy = await startRateLimitProxy(target.baseUrl, { requestsPerSecond: o.rate });
    try {
      const ids = [await channel(proxy.baseUrl, target.token, "even", rateLimit), await channel(proxy.baseUrl, target.token, "odd", rateLimit)];
      const before = await governorStatements();
      const load0 = load();
      const t0 = performance.now();
      const rs = await cycles(ids, o.env);
      const ms = performance.now() - t0;
      const statements = (await governorStatements()) - before;
      const s = proxy.stats();
      const total = s.forwarded + s.throttled;
      const pct = (100 * proxy.achievedRate()) / o.rate;
      const steadyPct = (100 * proxy.steadyRate()) / o.rate;
      const edges = `first tenth ${((100 * proxy.rateBetween(0, 0.1)) / o.rate).toFixed(0)}%, last tenth ${((100 * proxy.rateBetween(0.9, 1)) / o.rate).toFixed(0)}%`;
      const share429 = (100 * s.throttled) / total;
      const dirty = await (await getDb()).userRecord.count({ where: { channelId: { in: ids }, dirty: true } });
      const written = rs.reduce((a, r) => a + r.stats.usersWritten, 0);
      const note = `${pct.toFixed(1)}% of R=${o.rate}/s achieved (${steadyPct.toFixed(1)}% in the middle 80% of the run; ${edges}), ${share429.toFixed(2)}% of ${total} requests answered 429; ${statements} governor statements (${(statements / total).toFixed(3)} per request); ${dirty} users left dirty; load ${load0}-${load()}`;
      rows.push({ step: `governor: two channels, two processes, proxy R=${o.rate}/s, ${label}`, ms, objects: written, note });
      console.log(`  ${label}: ${(ms / 1000).toFixed(1)} s; ${note}`);
    } finally {
      await proxy.stop();
      target.stop();
    }
  }
  return rows;
}

/** Cycles of these channels, each in its own process, all at once. */
async function cycles(ids: number[], env: NodeJS.ProcessEnv): Promise<TCycle[]> {
  return Promise.all(
    ids.map(async (id) => {
      const r = JSON.parse(await firstLine(child("bench/cycle-runner.ts", [String(id)], env, true))) as TCycle;
      if (r.status !== "SUCCESS") throw new Error(`channel ${id}: the cycle ended ${r.status}: ${r.message}`);
      return r;
    }),
  );
}

/** Statements that read or wrote a governor row so far (every one goes through its primary key). */
async function governorStatements(): Promise<number> {
  const db = await getDb();
  // read after the cycles' processes ended: a backend flushes its counters when it exits
  const [row] = await db.$queryRawUnsafe<Array<{ n: bigint | null }>>(`SELECT idx_scan AS n FROM pg_stat_user_tables WHERE relname = 'target_governor'`);
  return Number(row?.n ?? 0);
}
