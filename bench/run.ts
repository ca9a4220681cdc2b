// `npm run bench [-- --users 100000 --groups 1000 --members 100]`
//
// A real slapd loaded with slapadd, a real SCIM service (SCIMMY, in memory, in its own
// process), a PostgreSQL database on the local server, and Ferry's cycle run in a fresh
// process each time so its wall time and peak RSS are its own. Prints a table and writes
// JSON to bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { Attribute, Change, Client } from "ldapts";
import pLimit from "p-limit";
import pg from "pg";
import { Agent, request } from "undici";
import { applyChannelConfig } from "../lib/channels/apply-channel-config.ts";
import { resetGroupTimestamp } from "../lib/channels/reset-group-timestamp.ts";
import { closeDb, getDb } from "../lib/db/index.ts";
import { directoryNames, generateDirectoryLdif, generatedDirectorySource, startSlapd } from "../devkit/slapd.ts";
import { useTestDatabase } from "../devkit/test-database.ts";
import { measureConsoleLatency } from "./console-latency.ts";
import { measureMappingCost } from "./mapping-cost.ts";
import { watchCycles } from "../devkit/watch-cycles.ts";
import { measureLatency, percentile, type TLatencyResult } from "./latency.ts";
import { child, firstLine, startTarget } from "./processes.ts";
import { benchGovernor } from "./governor.ts";
import { seedStore } from "./seed-store.ts";
import { benchChannels, fmtLatency, latencyPercentile } from "./channels.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
/** --nested: the group inside the provisioning group (its members are in scope through it) */
const NESTED_TEAM = "lat-team";
const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    groups: { type: "string", default: "" },
    members: { type: "string", default: "100" },
    concurrency: { type: "string", default: "4" },
    /** only the initial provisioning (with BENCH_CPU_PROF=1: a profile of it) */
    "initial-only": { type: "boolean", default: false },
    /** also a first load with userMatching: create-first (a second channel and target) */
    "create-first": { type: "boolean", default: false },
    /** the channel's source.changeCapture: auto (syncrepl on this OpenLDAP) or timestamp, to compare */
    "change-capture": { type: "string", default: "auto" },
    /**
     * Instead of the steady-state rows: the idle cycle, the full read against a raw paged
     * read, and change latency (directory write -> target) with the real worker in poll
     * and in push mode (bench/latency.ts)
     */
    latency: { type: "boolean", default: false },
    /** with --latency: stop after the idle cycle and the full read against the raw paged read (no worker, no latency samples) */
    "read-only": { type: "boolean", default: false },
    /** with --latency: how many times the full read and the raw paged read are measured, in turns (the median ratio is reported) */
    "full-reads": { type: "string", default: "1" },
    /**
     * with --latency: the directory computes memberOf through nested groups (slapo-dynlist,
     * as a directory with nested groups in scope must), the channel has nestedGroups on, and
     * the latency table gets a row for a user added to a group nested in the provisioning group
     */
    nested: { type: "boolean", default: false },
    /**
     * No first load: the store is filled as if one had run (bench/seed-store.ts; nothing is
     * sent, the target stays empty), for sizes whose first load against SCIMMY takes most of
     * an hour. The steady-state steps that would send to the target are left out.
     */
    "seed-store": { type: "boolean", default: false },
    /** latency samples per kind of change and mode */
    samples: { type: "string", default: "10" },
    /** the poll mode's syncFrequencySec (--latency; with --channels: the small channels') */
    "poll-sec": { type: "string", default: "5" },
    /** instead of the rest: the shared rate governor (bench/governor.ts) behind a proxy of this many requests per second */
    governor: { type: "boolean", default: false },
    rate: { type: "string", default: "100" },
    /** only the mapping cost per user (bench/mapping-cost.ts): no directory, no target */
    "mapping-only": { type: "boolean", default: false },
    /**
     * Instead of the steady-state rows: many channels on one node (bench/channels.ts), the
     * small channels' change latency while a big channel's first load runs, and that
     * load's time against the same load alone
     */
    channels: { type: "boolean", default: false },
    "channels-small": { type: "string", default: "20" },
    "channels-size": { type: "string", default: "5000" },
    "channels-big": { type: "string", default: "100000" },
    /** with --channels: two worker processes on the machine, one per lane (FERRY_WORKER_LANES) */
    "channels-split": { type: "boolean", default: false },
  },
});
const USERS = Number(args.users);
const GROUPS = args.groups ? Number(args.groups) : Math.max(1, Math.round(USERS / 100));
const MEMBERS = Math.min(Number(args.members), USERS);
const CONCURRENCY = Number(args.concurrency);

type TRow = { step: string; ms: number; objects?: number; rssMb?: number; note?: string };
const rows: TRow[] = [];
const latency: TLatencyResult[] = [];

async function cycle(channelId: number, env: NodeJS.ProcessEnv, step: string, objects?: number) {
  const p = child("bench/cycle-runner.ts", [String(channelId)], env, true);
  // a long cycle says how far it is (the worker's progress report), every 10 s
  const stopWatching = watchCycles(channelId, (line) => console.log(`    … ${line}`), { everyMs: 10_000, finished: false });
  const out = await firstLine(p).finally(stopWatching);
  const r = JSON.parse(out) as {
    ms: number;
    status: string;
    message: string;
    maxRssMb: number;
    cpuMs: number;
    gc: { minorMs: number; majorMs: number; count: number };
    stats: {
      scimRequests: number;
      phases: Record<string, number>;
      phasesCpu?: Record<string, number>;
      usersRead: number;
      usersWritten: number;
      usersMarkedDirty: number;
      drift: { usersRead: number; users: number; groupsRead: number; groups: number };
    };
  };
  // a number from a cycle that did not do its work would be worthless: stop
  if (r.status !== "SUCCESS") throw new Error(`${step}: the cycle ended ${r.status}: ${r.message}`);
  rows.push({ step, ms: r.ms, objects, rssMb: r.maxRssMb, note: `${r.stats.scimRequests} SCIM requests` });
  console.log(`  ${step}: ${(r.ms / 1000).toFixed(2)} s, ${r.stats.scimRequests} SCIM requests, peak RSS ${r.maxRssMb.toFixed(0)} MB`);
  console.log(`    phases (ms): ${Object.entries(r.stats.phases).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`    CPU ${(r.cpuMs / 1000).toFixed(2)} s; garbage collection: ${r.gc.count} runs, ${r.gc.minorMs.toFixed(0)} ms young generation, ${r.gc.majorMs.toFixed(0)} ms the rest`);
  console.log(`    users read ${r.stats.usersRead}, rewritten ${r.stats.usersWritten}, marked dirty ${r.stats.usersMarkedDirty}`);
  return r;
}

/**
 * The floor under an initial load: the same directory entries read with one paged search
 * each for users and groups, and the same SCIM requests Ferry makes on a first load by the
 * target's inventory (one page of /Users and of /Groups, then a create per user and per group
 * with its members: issue 15)
 * sent straight to a fresh target at the same concurrency, with undici's request API
 * over keep-alive connections (the cheapest client Node has). No store, no decisions.
 */
async function pagedRead(slapd: Awaited<ReturnType<typeof startSlapd>>, names: ReturnType<typeof directoryNames>) {
  const t = performance.now();
  const cpu0 = process.cpuUsage();
  const ldap = new Client({ url: slapd.url });
  await ldap.bind(slapd.adminDn, slapd.adminPassword);
  const one = (e: Record<string, unknown>, a: string) => {
    const v = e[a];
    return String(Array.isArray(v) ? v[0] : (v ?? ""));
  };
  const people: Array<{ dn: string; uid: string; givenName: string; sn: string; mail: string; cn: string }> = [];
  for await (const page of ldap.searchPaginated(slapd.peopleDn, {
    filter: `(&(objectClass=inetOrgPerson)(memberOf=${names.provisionedGroupDn}))`,
    attributes: ["*", "entryUUID", "modifyTimestamp", "memberOf"],
    paged: { pageSize: 1000 },
  })) {
    for (const e of page.searchEntries) people.push({ dn: e.dn.toLowerCase(), uid: one(e, "uid"), givenName: one(e, "givenName"), sn: one(e, "sn"), mail: one(e, "mail"), cn: one(e, "cn") });
  }
  const groups: Array<{ cn: string; members: string[] }> = [];
  for await (const page of ldap.searchPaginated(slapd.groupsDn, {
    filter: "(&(objectClass=groupOfNames)(!(cn=provisioned)))",
    attributes: ["cn", "member", "entryUUID", "entryCSN", "modifyTimestamp"],
    paged: { pageSize: 1000 },
  })) {
    for (const e of page.searchEntries) {
      const m = e.member;
      groups.push({ cn: one(e, "cn"), members: (Array.isArray(m) ? m : m ? [m] : []).map((d) => String(d).toLowerCase()) });
    }
  }
  await ldap.unbind();
  const cpu = process.cpuUsage(cpu0);
  return { people, groups, readMs: performance.now() - t, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function measureLimit(slapd: Awaited<ReturnType<typeof startSlapd>>, names: ReturnType<typeof directoryNames>, env: NodeJS.ProcessEnv) {
  const { people, groups, readMs } = await pagedRead(slapd, names);
  let t = performance.now();
  const fresh = await startTarget(env);
  const agent = new Agent({ connections: CONCURRENCY, keepAliveTimeout: 10_000 });
  const headers = { authorization: `Bearer ${fresh.token}`, accept: "application/scim+json", "content-type": "application/scim+json" };
  let requests = 0;
  const send = async (method: "GET" | "POST", p: string, body?: unknown): Promise<Record<string, unknown>> => {
    requests++;
    const res = await request(`${fresh.baseUrl}${p}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), dispatcher: agent });
    const json = (await res.body.json()) as Record<string, unknown>;
    if (res.statusCode >= 300) throw new Error(`${method} ${p}: ${res.statusCode} ${JSON.stringify(json).slice(0, 200)}`);
    return json;
  };
  const limit = pLimit(CONCURRENCY);
  const idByDn = new Map<string, string>();
  const cpu0 = await fresh.cpuMs();
  t = performance.now();
  // the inventory of the (empty) target
  await send("GET", "/Users?startIndex=1&count=100");
  await send("GET", "/Groups?startIndex=1&count=100&excludedAttributes=members");
  await Promise.all(
    people.map((u) =>
      limit(async () => {
        const created = await send("POST", "/Users", {
          schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
          userName: u.uid,
          name: { givenName: u.givenName, familyName: u.sn },
          emails: [{ type: "work", value: u.mail, primary: true }],
          displayName: u.cn,
          active: true,
        });
        idByDn.set(u.dn, String(created.id));
      }),
    ),
  );
  const usersMs = performance.now() - t;
  await Promise.all(
    groups.map((g) =>
      limit(async () => {
        const members = g.members.map((dn) => idByDn.get(dn)).filter((id): id is string => id !== undefined);
        await send("POST", "/Groups", { schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: g.cn, members: members.map((value) => ({ value })) });
      }),
    ),
  );
  const sendMs = performance.now() - t;
  const targetCpuMs = (await fresh.cpuMs()) - cpu0;
  await agent.close();
  fresh.stop();
  return { readMs, sendMs, usersMs, groupsMs: sendMs - usersMs, targetCpuMs, requests, users: people.length, groups: groups.length };
}

/** An incremental cycle with nothing changed, through the channel's change feed (syncrepl on this OpenLDAP unless --change-capture says otherwise). */
async function idleCycle(channelId: number, env: NodeJS.ProcessEnv) {
  const r = await cycle(channelId, env, "cycle, nothing changed");
  const ch = await (await getDb()).channel.findUniqueOrThrow({ where: { id: channelId }, select: { changeFeed: true } });
  const last = rows[rows.length - 1]!;
  last.note = `${last.note}; change feed: ${ch.changeFeed ?? "none"} (changeCapture ${args["change-capture"]})`;
  console.log(`    change feed: ${ch.changeFeed ?? "none"} (changeCapture ${args["change-capture"]}), ${(r.stats as { mode?: string }).mode ?? "?"} cycle`);
  return r;
}

/**
 * The full read, which stays the safety net, against one raw paged read of the same
 * entries, in turns (`--full-reads`): on a machine shared with other work the ratio of a
 * pair measured back to back says more than either time, and the median of the pairs more
 * than one pair.
 */
async function fullReadAgainstRaw(
  id: number,
  env: NodeJS.ProcessEnv,
  slapd: Awaited<ReturnType<typeof startSlapd>>,
  names: ReturnType<typeof directoryNames>,
  how: { step: string; prepare: () => Promise<void> } = {
    step: "cycle, full read (group timestamp reset), nothing changed",
    prepare: async () => void (await resetGroupTimestamp({ channelId: id, actor: "bench", via: "cli" })),
  },
): Promise<void> {
  const ratios: number[] = [];
  for (let i = 0; i < Number(args["full-reads"]); i++) {
    await how.prepare();
    const full = await cycle(id, env, how.step, USERS + GROUPS);
    const raw = await pagedRead(slapd, names);
    const fullReadMs = (full.stats.phases["users.read"] ?? 0) + (full.stats.phases["groups.read"] ?? 0);
    const load = os.loadavg()[0]!.toFixed(1);
    const readCpu = (full.stats.phasesCpu?.["users.read"] ?? 0) + (full.stats.phasesCpu?.["groups.read"] ?? 0);
    rows.push({ step: "  of which: the directory read (users.read + groups.read)", ms: fullReadMs, objects: USERS + GROUPS, note: `Ferry's CPU meanwhile ${(readCpu / 1000).toFixed(2)} s; load ${load}` });
    rows.push({ step: "limit: paged read of the same users and groups", ms: raw.readMs, objects: raw.people.length + raw.groups.length, note: `the reading process's CPU ${(raw.cpuMs / 1000).toFixed(2)} s` });
    rows.push({ step: "ratio full read / paged read", ms: 0, note: (fullReadMs / raw.readMs).toFixed(2) });
    ratios.push(fullReadMs / raw.readMs);
    console.log(`  full read: directory ${(fullReadMs / 1000).toFixed(2)} s (cycle ${(full.ms / 1000).toFixed(2)} s) against a raw paged read ${(raw.readMs / 1000).toFixed(2)} s: ${(fullReadMs / raw.readMs).toFixed(2)}x (load ${load}); CPU ${(readCpu / 1000).toFixed(2)} s against ${(raw.cpuMs / 1000).toFixed(2)} s`);
  }
  if (ratios.length > 1) {
    rows.push({ step: `ratio full read / paged read, median of ${ratios.length}`, ms: 0, note: `${percentile(ratios, 50).toFixed(2)} (each: ${ratios.map((r) => r.toFixed(2)).join(", ")})` });
    console.log(`  full read / paged read, median of ${ratios.length}: ${percentile(ratios, 50).toFixed(2)}`);
  }
}

/** A first load of the same directory into a second channel and a fresh target, creating without lookups. */
async function firstLoadCreateFirst(source: Record<string, unknown>, env: NodeJS.ProcessEnv): Promise<void> {
  const second = await startTarget(env);
  try {
    const { id } = await applyChannelConfig({
      actor: "bench",
      via: "cli",
      config: {
        name: "bench create-first",
        connectionId: "bench-create-first",
        source,
        target: { url: second.baseUrl, auth: { type: "bearer", token: second.token }, maxConcurrency: CONCURRENCY, userMatching: "create-first" },
        options: { maxDeprovisionPercent: 100 },
      },
    });
    const c0 = await second.cpuMs();
    await cycle(id, env, "initial provisioning, userMatching: create-first", USERS + GROUPS);
    console.log(`    the SCIM target's CPU meanwhile: ${(((await second.cpuMs()) - c0) / 1000).toFixed(1)} s`);
  } finally {
    second.stop();
  }
}

/** The target holds what the directory has: a fast but wrong load is no result. */
async function expectAtTarget(t: { baseUrl: string; token: string }, users: number, groups: number): Promise<void> {
  for (const [resource, want] of [["Users", users], ["Groups", groups]] as const) {
    const res = await request(`${t.baseUrl}/${resource}?count=0`, { headers: { authorization: `Bearer ${t.token}` } });
    const { totalResults } = (await res.body.json()) as { totalResults: number };
    if (totalResults !== want) throw new Error(`after the initial load the target holds ${totalResults} ${resource}, not ${want}`);
  }
}

/** `--channels`: many channels on one node (bench/channels.ts); prints its table and writes its JSON. */
async function channelsMain(): Promise<void> {
  const [small, size, big, pollSec] = [Number(args["channels-small"]), Number(args["channels-size"]), Number(args["channels-big"]), Number(args["poll-sec"])];
  console.log(`Ferry benchmark, many channels on one node: ${small} channels of ${size} users, one first load of ${big} users; sync frequency ${pollSec} s`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const db = await useTestDatabase();
  process.env.FERRY_LOG_LEVEL = "warn";
  const env = { ...process.env };
  try {
    const r = await benchChannels({ small, size, big, pollSec, concurrency: CONCURRENCY, startTarget: () => startTarget(env), env, log: (l) => console.log(l), split: args["channels-split"] });
    const lat = (xs: number[]) => `p50 ${fmtLatency(latencyPercentile(xs, 50))}, p95 ${fmtLatency(latencyPercentile(xs, 95))} (${xs.length} samples${xs.some((x) => x < 0) ? `, ${xs.filter((x) => x < 0).length} missed` : ""})`;
    const p95 = latencyPercentile(r.sharedSamplesMs, 95);
    // weighed against the mean of the lone loads before and after it: the machine drifts
    const aloneMs = (r.bigAloneMs + r.bigAloneAfterMs) / 2;
    const loss = r.bigSharedMs / aloneMs - 1;
    const sec = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    const phases = (p: { readMs: number; pushMs: number }) => `read ${sec(p.readMs)}, push ${sec(p.pushMs)}`;
    console.log(`\n| measure | value | goal |\n|---|---|---|`);
    console.log(`| big first load alone (${big} users): before / after the shared one | ${sec(r.bigAloneMs)} / ${sec(r.bigAloneAfterMs)} (mean ${Math.round(big / (aloneMs / 1000))} users/s) | |`);
    console.log(`| the same with ${small} channels cycling | ${sec(r.bigSharedMs)} (${loss >= 0 ? `${(loss * 100).toFixed(1)}% slower` : `${(-loss * 100).toFixed(1)}% faster`} than the lone loads' mean) | ≤ 10% ${loss <= 0.1 ? "met" : "NOT met"} |`);
    console.log(`| phases: alone / shared / alone after | ${phases(r.phases.alone)} / ${phases(r.phases.shared)} / ${phases(r.phases.aloneAfter)} | |`);
    console.log(`| the big channel's target's CPU: alone / shared / alone after | ${sec(r.bigTargetCpuMs.alone)} / ${sec(r.bigTargetCpuMs.shared)} / ${sec(r.bigTargetCpuMs.aloneAfter)} | |`);
    const inUse = (c: { machineMs: number }, ms: number) => (c.machineMs / ms).toFixed(2);
    console.log(`| the machine's CPU (cores in use): alone / shared / alone after | ${inUse(r.cpu.alone, r.bigAloneMs)} / ${inUse(r.cpu.shared, r.bigSharedMs)} / ${inUse(r.cpu.aloneAfter, r.bigAloneAfterMs)} | |`);
    console.log(`| the worker's CPU: alone / shared / alone after | ${sec(r.cpu.alone.workerMs)} / ${sec(r.cpu.shared.workerMs)} / ${sec(r.cpu.aloneAfter.workerMs)} | |`);
    const delay = (d: (typeof r.loopDelay)["alone"]) => (d ? `mean ${d.meanMs.toFixed(1)} ms, p99 ${d.p99Ms.toFixed(1)} ms, max ${d.maxMs.toFixed(0)} ms` : "—");
    console.log(`| the worker's event-loop delay: alone / shared / alone after | ${delay(r.loopDelay.alone)} / ${delay(r.loopDelay.shared)} / ${delay(r.loopDelay.aloneAfter)} | |`);
    const rest = (c: (typeof r.cpu)["alone"]) => `PostgreSQL ${sec(c.postgresMs)}, slapd ${sec(c.slapdMs)}, small targets ${sec(c.smallTargetsMs)}, bench ${sec(c.benchMs)}`;
    console.log(`| the rest's CPU: alone / shared / alone after | ${rest(r.cpu.alone)} / ${rest(r.cpu.shared)} / ${rest(r.cpu.aloneAfter)} | |`);
    const cores = (ms: number) => (ms / r.smallAlone.ms).toFixed(2);
    const sa = r.smallAlone.cpu;
    console.log(`| the small channels alone: CPU (cores) | ${cores(sa.machineMs)} in all: worker ${cores(sa.workerMs)}, PostgreSQL ${cores(sa.postgresMs)}, slapd ${cores(sa.slapdMs)}, their targets ${cores(sa.smallTargetsMs)}, bench ${cores(sa.benchMs)} | |`);
    console.log(`| small channels' change latency, alone | ${lat(r.aloneSamplesMs)} | |`);
    console.log(`| small channels' change latency during the big load | ${lat(r.sharedSamplesMs)} | p95 < ${2 * pollSec} s ${p95 < 2000 * pollSec ? "met" : "NOT met"} |`);
    console.log(`| small channels' incremental cycles during the big load | ${r.smallCyclesDuringLoad} (their frequency asks for about ${r.smallCyclesExpected}) | |`);
    const cyc = (xs: number[]) => `median ${percentile(xs, 50)} ms, p95 ${percentile(xs, 95)} ms (${xs.length})`;
    console.log(`| a small channel's incremental cycle: alone / during the big load | ${cyc(r.smallCycleMs.alone)} / ${cyc(r.smallCycleMs.shared)} | |`);
    console.log(`| load average (1 min) | before ${r.load.before.toFixed(1)}, during ${Math.min(...r.load.during).toFixed(1)}-${Math.max(...r.load.during).toFixed(1)}, after ${r.load.after.toFixed(1)} | |`);
    console.log(`| worker lanes | ${r.lanes.concurrency} cycles at once, ${r.lanes.bulk} long | |`);
    mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
    const file = path.join(ROOT, "bench/results", `bench-channels-${small}x${size}-${big}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
    writeFileSync(file, JSON.stringify({ ...r, machine: { cpus: os.cpus().length, node: process.version } }, null, 2));
    console.log(`\nJSON: ${path.relative(ROOT, file)}`);
  } finally {
    await closeDb();
    await db.drop();
  }
}

async function main(): Promise<void> {
  if (args.channels) return channelsMain();
  console.log(`Ferry benchmark: ${USERS} users, ${GROUPS} groups x ${MEMBERS} members, concurrency ${CONCURRENCY}`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  // what mapping costs per user, plain attributes against expressions (in process, CPU only)
  const m = measureMappingCost(Math.min(USERS, 100_000));
  const perUser = (ms: number) => `${((ms * 1000) / m.users).toFixed(1)} µs per user`;
  rows.push({ step: `mapping ${m.users} users, plain attribute values`, ms: m.plainMs, objects: m.users, note: `${perUser(m.plainMs)}; load ${os.loadavg()[0]!.toFixed(1)}` });
  rows.push({ step: `mapping ${m.users} users, ${m.expressions} expressions`, ms: m.expressionsMs, objects: m.users, note: `${perUser(m.expressionsMs)}; load ${os.loadavg()[0]!.toFixed(1)}` });
  if (args["mapping-only"]) return report();
  const db = await useTestDatabase();
  process.env.FERRY_LOG_LEVEL = "warn";
  const env = { ...process.env };
  // people last edited one per second over the past days, as in a directory that is not being bulk-loaded right now
  const opts = { users: USERS, groups: GROUPS, membersPerGroup: MEMBERS, modifiedFrom: new Date(Date.now() - (USERS + 3600) * 1000) };
  let t = performance.now();
  // --nested: memberOf is computed (through nested groups) by slapo-dynlist, not stored on each user
  const slapd = await startSlapd({ ldif: generateDirectoryLdif({ ...opts, memberOf: !args.nested }), memberOf: args.nested ? "dynlist-nested" : "overlay" });
  console.log(`  slapd loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const names = directoryNames(opts);
  if (args.governor) {
    try {
      rows.push(...(await benchGovernor({ slapd, names, env, users: USERS, concurrency: CONCURRENCY, rate: Number(args.rate) })));
    } finally {
      await slapd.stop();
      await closeDb();
      await db.drop();
    }
    report();
    return;
  }
  const target = await startTarget(env);
  const source = { ...generatedDirectorySource(slapd, names), pageSize: 1000, changeCapture: args["change-capture"], ...(args.nested ? { nestedGroups: true } : {}) };
  // --nested: an empty group inside the provisioning group, which the nested latency samples add users to
  if (args.nested) await slapd.addMembers(names.provisionedGroupDn, [await slapd.addGroup(NESTED_TEAM, [])]);
  const channelConfig = {
    name: "bench",
    connectionId: "bench",
    source,
    target: { url: target.baseUrl, auth: { type: "bearer", token: target.token }, maxConcurrency: CONCURRENCY },
    // --latency: a full read reads the directory and the target's groups, not every user back from the target (see the README)
    options: { maxDeprovisionPercent: 100, ...(args.latency ? { enforceUserAttributes: false } : {}) },
  };
  const { id } = await applyChannelConfig({ actor: "bench", via: "cli", config: channelConfig });

  try {
    // 1. initial provisioning (--seed-store: the store filled as if it had run, nothing sent)
    if (args["seed-store"]) {
      const seeded = await seedStore(id, db.url);
      rows.push({ step: "store SEEDED as if loaded (no first load; nothing sent, the target stays empty)", ms: seeded.ms, objects: seeded.users + seeded.groups, note: `${seeded.users} users, ${seeded.groups} groups` });
      console.log(`  store seeded: ${seeded.users} users, ${seeded.groups} groups in ${(seeded.ms / 1000).toFixed(1)} s (no first load: nothing sent)`);
      await storeSize();
      await seededSteadyState();
    } else await loadedRun();
  } finally {
    target.stop();
    await slapd.stop();
    await closeDb();
    await db.drop();
  }
  report();

  async function loadedRun(): Promise<void> {
    const cpu0 = await target.cpuMs();
    const initial = await cycle(id, env, "initial provisioning", USERS + GROUPS);
    const initialTargetCpu = (await target.cpuMs()) - cpu0;
    // issue 15: a first load by the target's inventory costs one request per object (was 2.0: a lookup and a create)
    const perObject = initial.stats.scimRequests / (USERS + GROUPS);
    rows.push({
      step: "first load: SCIM requests per provisioned object",
      ms: initial.ms,
      objects: USERS + GROUPS,
      note: `${perObject.toFixed(3)} (${initial.stats.scimRequests} requests for ${USERS + GROUPS} objects; the inventory ${initial.stats.phases["target.inventory"] ?? 0} ms)`,
    });
    console.log(`    requests per provisioned object: ${perObject.toFixed(3)}; first load ${(initial.ms / 1000).toFixed(2)} s`);
    await expectAtTarget(target, USERS, GROUPS + (args.nested ? 1 : 0));
    await storeSize();
    console.log(`    the SCIM target's CPU meanwhile: ${(initialTargetCpu / 1000).toFixed(1)} s`);
    // what the provisioning log kept of it (FERRY_PROVISIONING_LOG_DAYS=0 runs without the log)
    const [plog] = await (await getDb()).$queryRawUnsafe<Array<{ n: bigint; bytes: bigint | null }>>(
      `SELECT (SELECT count(*) FROM provisioning_log) AS n,
              (SELECT sum(pg_total_relation_size(i.inhrelid)) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhparent WHERE p.relname = 'provisioning_log') AS bytes`,
    );
    const plogBytes = Number(plog?.bytes ?? 0);
    console.log(`    provisioning log: ${Number(plog?.n ?? 0)} entries, ${(plogBytes / 2 ** 20).toFixed(1)} MB on disk (indexes included)`);
    rows.push({ step: "provisioning log of the initial load", ms: 0, note: `${Number(plog?.n ?? 0)} entries, ${(plogBytes / 2 ** 20).toFixed(1)} MB` });

    if (args["initial-only"]) return;

    if (args.latency) {
      await idleCycle(id, env);
      // the full read, which stays the safety net, against one raw paged read of the same entries
      await fullReadAgainstRaw(id, env, slapd, names);
      if (!args["read-only"]) await latencyRuns();
    } else {
      await steadyState(initial.ms, initialTargetCpu);
    }
  }

  async function latencyRuns(): Promise<void> {
      const samples = Number(args.samples);
      const pollSec = Number(args["poll-sec"]);
      const log = (l: string) => console.log(l);
      const t0 = performance.now();
      const nestedGroupDn = args.nested ? `cn=${NESTED_TEAM},${slapd.groupsDn}` : undefined;
      const poll = await measureLatency({ mode: "poll", nestedGroupDn, channelConfig, syncFrequencySec: pollSec, slapd, names, target, users: USERS, samples, slot: 0, env, log });
      latency.push(...poll);
      if (poll.idleMs.length > 0) {
        rows.push({ step: "idle incremental cycle in the running worker (median)", ms: percentile(poll.idleMs, 50), note: `${poll.idleMs.length} cycles of the poll-mode run that read nothing; p95 ${percentile(poll.idleMs, 95)} ms` });
      }
      // push: the period an hour, so that only the watch can bring a change quickly
      latency.push(...(await measureLatency({ mode: "push", nestedGroupDn, channelConfig, syncFrequencySec: 3600, slapd, names, target, users: USERS, samples, slot: 1, env, log })));
      console.log(`  latency measured in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }

  /** What the store holds per user on disk (tables, TOAST and indexes of user_record). */
  async function storeSize(): Promise<void> {
    const [r] = await (await getDb()).$queryRawUnsafe<Array<{ bytes: bigint; n: bigint; idx: bigint }>>(
      `SELECT pg_total_relation_size('user_record') AS bytes, pg_indexes_size('user_record') AS idx, (SELECT count(*) FROM user_record) AS n`,
    );
    const bytes = Number(r?.bytes ?? 0);
    const n = Math.max(1, Number(r?.n ?? 0));
    rows.push({ step: "store size on disk per user (user_record with its indexes)", ms: 0, note: `${Math.round(bytes / n)} bytes per user (${(bytes / 2 ** 20).toFixed(0)} MB for ${n}; indexes ${(Number(r?.idx ?? 0) / 2 ** 20).toFixed(0)} MB)` });
    console.log(`  store: ${Math.round(bytes / n)} bytes per user on disk (${(bytes / 2 ** 20).toFixed(0)} MB, indexes ${(Number(r?.idx ?? 0) / 2 ** 20).toFixed(0)} MB)`);
    await searchIndexWriteCost(n);
  }

  /**
   * What the console search's trigram index (migration 0035) costs a write: 5,000 records
   * renamed with it, 5,000 others without it (dropped in the same transaction), all rolled back.
   */
  async function searchIndexWriteCost(n: number): Promise<void> {
    const k = Math.min(5_000, Math.floor(n / 2));
    const sql = new pg.Client({ connectionString: db.url });
    await sql.connect();
    try {
      const [{ size }] = (await sql.query<{ size: string }>(`SELECT coalesce(pg_relation_size(to_regclass('user_record_search_trgm_idx')), 0) AS size`)).rows as [{ size: string }];
      if (Number(size) === 0) return;
      await sql.query("BEGIN");
      const rename = async (from: number) => {
        const t = performance.now();
        await sql.query(`UPDATE user_record SET provider_name = provider_name || 'x' WHERE id IN (SELECT id FROM user_record ORDER BY id OFFSET $1 LIMIT $2)`, [from, k]);
        return performance.now() - t;
      };
      const withIdx = await rename(0);
      await sql.query(`DROP INDEX user_record_search_trgm_idx`);
      const without = await rename(k);
      await sql.query("ROLLBACK");
      rows.push({ step: `search index write cost: ${k} records renamed with / without it`, ms: withIdx, note: `${withIdx.toFixed(0)} ms / ${without.toFixed(0)} ms (${((withIdx - without) / k).toFixed(3)} ms more per write); index ${(Number(size) / 2 ** 20).toFixed(0)} MB` });
      console.log(`  search index: ${k} renames ${withIdx.toFixed(0)} ms with it, ${without.toFixed(0)} ms without; ${(Number(size) / 2 ** 20).toFixed(0)} MB`);
    } finally {
      await sql.end();
    }
  }

  /** --seed-store: the steps that do not send — the idle cycle, the full read against a raw paged read, 1,000 changes read and decided, the console. */
  async function seededSteadyState(): Promise<void> {
    await idleCycle(id, env);
    await idleCycle(id, env);
    // a full read without the target read back (the seeded target holds nothing to compare): the periodic full read come due
    await fullReadAgainstRaw(id, env, slapd, names, {
      step: "cycle, full read (periodic, target not read back), nothing changed",
      prepare: async () => void (await (await getDb()).channel.update({ where: { id }, data: { lastFullSyncAt: null } })),
    });
    const k = await modifyUsers("title", (i) => `bench ${i}`);
    await cycle(id, env, `cycle, ${k} users modified (unmapped attribute: read and decided, nothing to send)`, k);
    for (const l of await measureConsoleLatency(id, env)) {
      rows.push({ step: `console API: ${l.name}`, ms: l.medianMs, note: `median of ${l.samples}, p95 ${l.p95Ms.toFixed(0)} ms, ${l.bytes} bytes, GET ${l.path.replace(/after=[^&]+/, "after=…")}` });
      console.log(`  console API ${l.name}: median ${l.medianMs.toFixed(1)} ms, p95 ${l.p95Ms.toFixed(1)} ms`);
    }
  }

  /** The first 1,000 users (or all, if fewer) get a new value of one attribute; returns how many. */
  async function modifyUsers(attribute: string, value: (i: number) => string): Promise<number> {
    const admin = new Client({ url: slapd.url });
    await admin.bind(slapd.adminDn, slapd.adminPassword);
    const k = Math.min(1000, USERS);
    for (let i = 0; i < k; i++) {
      await admin.modify(names.userDn(i), new Change({ operation: "replace", modification: new Attribute({ type: attribute, values: [value(i)] }) }));
    }
    await admin.unbind();
    return k;
  }

  async function steadyState(initialMs: number, initialTargetCpu: number): Promise<void> {

    // 2. the limit: the same directory reads, and the same SCIM requests sent straight
    const lim = await measureLimit(slapd, names, env);
    rows.push({ step: "limit: paged read of the same users and groups", ms: lim.readMs, objects: lim.users + lim.groups });
    rows.push({
      step: "limit: the same SCIM requests sent straight",
      ms: lim.sendMs,
      objects: lim.users + lim.groups,
      note: `${lim.requests} requests: users ${(lim.usersMs / 1000).toFixed(1)} s, groups ${(lim.groupsMs / 1000).toFixed(1)} s; target CPU ${(lim.targetCpuMs / 1000).toFixed(1)} s (during Ferry's initial: ${(initialTargetCpu / 1000).toFixed(1)} s)`,
    });
    const ratio = initialMs / (lim.readMs + lim.sendMs);
    rows.push({ step: "ratio initial / limit", ms: 0, note: ratio.toFixed(2) });
    console.log(
      `  limit: read ${(lim.readMs / 1000).toFixed(2)} s + send ${(lim.sendMs / 1000).toFixed(2)} s (users ${(lim.usersMs / 1000).toFixed(1)} s, groups ${(lim.groupsMs / 1000).toFixed(1)} s; ${lim.requests} requests; target CPU ${(lim.targetCpuMs / 1000).toFixed(1)} s); Ferry/limit = ${ratio.toFixed(2)}`,
    );

    // 3. steady state
    await idleCycle(id, env);
    // a full reconciliation with nothing changed anywhere: the whole scope read again, and
    // the target read back for drift (every user in pages, every group's members)
    await resetGroupTimestamp({ channelId: id, actor: "bench", via: "cli" });
    const fullCpu0 = await target.cpuMs();
    const full = await cycle(id, env, "cycle, full reconciliation, nothing changed", USERS + GROUPS);
    const fullTargetCpu = (await target.cpuMs()) - fullCpu0;
    const du = full.stats.phases["target.users"] ?? 0;
    const dg = full.stats.phases["target.groups"] ?? 0;
    rows.push({
      step: "  of which: reading the target for drift",
      ms: du + dg,
      objects: full.stats.drift.usersRead + full.stats.drift.groupsRead,
      note: `users ${(du / 1000).toFixed(2)} s (${full.stats.drift.usersRead} read in pages), groups ${(dg / 1000).toFixed(2)} s (${full.stats.drift.groupsRead} GETs); drifted: ${full.stats.drift.users} users, ${full.stats.drift.groups} groups; the SCIM target's CPU in the cycle ${(fullTargetCpu / 1000).toFixed(1)} s`,
    });
    if (full.stats.drift.users + full.stats.drift.groups > 0) throw new Error("a full reconciliation found drift where nothing was changed at the target");
    const k = await modifyUsers("title", (i) => `bench ${i}`);
    await cycle(id, env, `cycle, ${k} users modified (unmapped attribute)`, k);
    await modifyUsers("givenName", (i) => `Given${i}`);
    await cycle(id, env, `cycle, ${k} users modified (mapped attribute)`, k);
    const removed = Math.min(100, Math.floor(USERS / 10));
    await slapd.removeMembers(names.provisionedGroupDn, Array.from({ length: removed }, (_, i) => names.userDn(USERS - 1 - i)));
    await cycle(id, env, `cycle, ${removed} users removed from the group`, removed);
    await slapd.rename(names.groupDn(0), "cn=renamed-group");
    await cycle(id, env, "cycle, one group renamed", 1);

    // 4. console API latency at this size, over HTTP
    for (const l of await measureConsoleLatency(id, env)) {
      rows.push({ step: `console API: ${l.name}`, ms: l.medianMs, note: `median of ${l.samples}, p95 ${l.p95Ms.toFixed(0)} ms, ${l.bytes} bytes, GET ${l.path.replace(/after=[^&]+/, "after=…")}` });
      console.log(`  console API ${l.name}: median ${l.medianMs.toFixed(1)} ms, p95 ${l.p95Ms.toFixed(1)} ms`);
    }

    // 5. the same first load with userMatching: create-first (a second channel, a fresh target)
    if (args["create-first"]) await firstLoadCreateFirst(source, env);
  }
}

function report(): void {

  console.log("\n| step | time | objects/s | peak RSS | note |\n|---|---:|---:|---:|---|");
  for (const r of rows) {
    const s = r.ms === 0 ? "" : r.ms >= 1000 ? `${(r.ms / 1000).toFixed(2)} s` : r.ms >= 100 ? `${r.ms.toFixed(0)} ms` : `${r.ms.toFixed(1)} ms`;
    const rate = r.objects && r.ms > 0 ? Math.round(r.objects / (r.ms / 1000)).toString() : "";
    console.log(`| ${r.step} | ${s} | ${rate} | ${r.rssMb ? `${r.rssMb.toFixed(0)} MB` : ""} | ${r.note ?? ""} |`);
  }
  if (latency.length) {
    console.log(`\nChange latency, directory write -> target, ${USERS} users in scope (${latency[0]!.samplesMs.length} samples each):\n| mode | change | p50 | p95 | load avg | |\n|---|---|---:|---:|---|---|`);
    for (const l of latency) {
      const fmt = (x: number) => (x === Infinity ? `> ${l.giveUpMs / 1000} s` : `${(x / 1000).toFixed(2)} s`);
      console.log(`| ${l.mode} | ${l.kind} | ${fmt(l.p50Ms)} | ${fmt(l.p95Ms)} | ${Math.min(...l.load).toFixed(1)}-${Math.max(...l.load).toFixed(1)} |${l.missed ? ` ${l.missed} of ${l.samplesMs.length} not there after ${l.giveUpMs / 1000} s` : ""}`);
    }
  }
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  const file = path.join(ROOT, "bench/results", `bench-${USERS}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ users: USERS, groups: GROUPS, members: MEMBERS, concurrency: CONCURRENCY, machine: { cpus: os.cpus().length, node: process.version }, rows, latency, pollSec: Number(args["poll-sec"]) }, null, 2));
  console.log(`\nJSON: ${path.relative(ROOT, file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
