// `npm run bench [-- --users 100000 --groups 1000 --members 100]`
//
// A real slapd loaded with slapadd, a real SCIM service (SCIMMY, in memory, in its own
// process), a PostgreSQL database on the local server, and Ferry's cycle run in a fresh
// process each time so its wall time and peak RSS are its own. Prints a table and writes
// JSON to bench/results/.
import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { Attribute, Change, Client } from "ldapts";
import pLimit from "p-limit";
import { applyChannelConfig } from "../lib/channels/apply-channel-config.ts";
import { listChannels } from "../lib/channels/list-channels.ts";
import { closeDb, getDb } from "../lib/db/index.ts";
import { directoryNames, generateDirectoryLdif, generatedDirectorySource, startSlapd } from "../test/harness/slapd.ts";
import { useTestDatabase } from "../test/helpers/database.ts";
import { WORKER_NODE_FLAGS } from "../scripts/launch.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const { values: args } = parseArgs({
  options: {
    users: { type: "string", default: "100000" },
    groups: { type: "string", default: "" },
    members: { type: "string", default: "100" },
    concurrency: { type: "string", default: "4" },
  },
});
const USERS = Number(args.users);
const GROUPS = args.groups ? Number(args.groups) : Math.max(1, Math.round(USERS / 100));
const MEMBERS = Math.min(Number(args.members), USERS);
const CONCURRENCY = Number(args.concurrency);

type TRow = { step: string; ms: number; objects?: number; rssMb?: number; note?: string };
const rows: TRow[] = [];

function child(script: string, argv: string[], env: NodeJS.ProcessEnv, profile = false) {
  // BENCH_CPU_PROF=1 writes a V8 CPU profile of every cycle to bench/results/prof/
  const prof = profile && process.env.BENCH_CPU_PROF === "1" ? ["--cpu-prof", "--cpu-prof-dir", path.join(ROOT, "bench/results/prof")] : [];
  // cycles run with the worker's own heap settings
  const flags = script.includes("cycle-runner") ? WORKER_NODE_FLAGS : [];
  return spawn(process.execPath, [...prof, ...flags, "--import", "tsx", path.join(ROOT, script), ...argv], { cwd: ROOT, env, stdio: ["ignore", "pipe", "inherit"] });
}

async function firstLine(p: ReturnType<typeof child>): Promise<string> {
  const rl = createInterface({ input: p.stdout! });
  for await (const line of rl) return line;
  throw new Error("child exited without output");
}

async function startTarget(env: NodeJS.ProcessEnv) {
  const p = child("bench/scimmy-server.ts", [], env);
  const info = JSON.parse(await firstLine(p)) as { baseUrl: string; token: string };
  return { ...info, stop: () => p.kill("SIGTERM") };
}

async function cycle(channelId: number, env: NodeJS.ProcessEnv, step: string, objects?: number) {
  const p = child("bench/cycle-runner.ts", [String(channelId)], env, true);
  const r = JSON.parse(await firstLine(p)) as {
    ms: number;
    status: string;
    message: string;
    maxRssMb: number;
    stats: { scimRequests: number; phases: Record<string, number>; usersRead: number; usersWritten: number; usersMarkedDirty: number };
  };
  if (r.status !== "SUCCESS") console.error(`  ${step}: ${r.status} ${r.message}`);
  rows.push({ step, ms: r.ms, objects, rssMb: r.maxRssMb, note: `${r.stats.scimRequests} SCIM requests` });
  console.log(`  ${step}: ${(r.ms / 1000).toFixed(2)} s, ${r.stats.scimRequests} SCIM requests, peak RSS ${r.maxRssMb.toFixed(0)} MB`);
  console.log(`    phases (ms): ${Object.entries(r.stats.phases).map(([k, v]) => `${k} ${v}`).join(", ")}`);
  console.log(`    users read ${r.stats.usersRead}, rewritten ${r.stats.usersWritten}, marked dirty ${r.stats.usersMarkedDirty}`);
  return r;
}

async function main(): Promise<void> {
  console.log(`Ferry benchmark: ${USERS} users, ${GROUPS} groups x ${MEMBERS} members, concurrency ${CONCURRENCY}`);
  console.log(`machine: ${os.cpus().length} x ${os.cpus()[0]?.model ?? "cpu"}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}`);
  const db = await useTestDatabase();
  process.env.FERRY_LOG_LEVEL = "warn";
  const env = { ...process.env };
  // people last edited one per second over the past days, as in a directory that is not being bulk-loaded right now
  const opts = { users: USERS, groups: GROUPS, membersPerGroup: MEMBERS, modifiedFrom: new Date(Date.now() - (USERS + 3600) * 1000) };
  let t = performance.now();
  const slapd = await startSlapd({ ldif: generateDirectoryLdif(opts) });
  console.log(`  slapd loaded in ${((performance.now() - t) / 1000).toFixed(1)} s`);
  const names = directoryNames(opts);
  const target = await startTarget(env);
  const source = { ...generatedDirectorySource(slapd, names), pageSize: 1000 };
  const { id } = await applyChannelConfig({
    actor: "bench",
    via: "cli",
    config: {
      name: "bench",
      connectionId: "bench",
      source,
      target: { url: target.baseUrl, auth: { type: "bearer", token: target.token }, maxConcurrency: CONCURRENCY },
      options: { maxDeprovisionPercent: 100 },
    },
  });

  try {
    // 1. initial provisioning
    const initial = await cycle(id, env, "initial provisioning", USERS + GROUPS);

    // 2. the limit: the same directory read, and the same SCIM requests sent straight
    t = performance.now();
    const ldap = new Client({ url: slapd.url });
    await ldap.bind(slapd.adminDn, slapd.adminPassword);
    let read = 0;
    for await (const page of ldap.searchPaginated(slapd.peopleDn, {
      filter: `(&(objectClass=inetOrgPerson)(memberOf=${names.provisionedGroupDn}))`,
      attributes: ["*", "entryUUID", "modifyTimestamp", "memberOf"],
      paged: { pageSize: 1000 },
    })) read += page.searchEntries.length;
    await ldap.unbind();
    const readMs = performance.now() - t;
    const fresh = await startTarget(env);
    t = performance.now();
    const limit = pLimit(CONCURRENCY);
    const auth = { authorization: `Bearer ${fresh.token}`, "content-type": "application/scim+json" };
    await Promise.all(
      Array.from({ length: USERS }, (_, i) =>
        limit(async () => {
          const userName = names.uid(i);
          await (await fetch(`${fresh.baseUrl}/Users?filter=${encodeURIComponent(`userName eq "${userName}"`)}&count=2`, { headers: auth })).text();
          await (
            await fetch(`${fresh.baseUrl}/Users`, {
              method: "POST",
              headers: auth,
              body: JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, name: { givenName: "G", familyName: "F" }, emails: [{ type: "work", value: `${userName}@example.com`, primary: true }], active: true }),
            })
          ).text();
        }),
      ),
    );
    const sendMs = performance.now() - t;
    fresh.stop();
    rows.push({ step: "limit: paged read of the same entries", ms: readMs, objects: read });
    rows.push({ step: "limit: the same user requests sent straight", ms: sendMs, objects: USERS, note: `${USERS * 2} requests` });
    const ratio = initial.ms / (readMs + sendMs);
    console.log(`  limit: read ${(readMs / 1000).toFixed(2)} s + send ${(sendMs / 1000).toFixed(2)} s; Ferry/limit = ${ratio.toFixed(2)} (users only in the limit; Ferry also did ${GROUPS} groups)`);

    // 3. steady state
    await cycle(id, env, "cycle, nothing changed");
    const admin = new Client({ url: slapd.url });
    await admin.bind(slapd.adminDn, slapd.adminPassword);
    const k = Math.min(1000, USERS);
    for (let i = 0; i < k; i++) {
      await admin.modify(names.userDn(i), new Change({ operation: "replace", modification: new Attribute({ type: "title", values: [`bench ${i}`] }) }));
    }
    await admin.unbind();
    await cycle(id, env, `cycle, ${k} users modified (unmapped attribute)`, k);
    const admin2 = new Client({ url: slapd.url });
    await admin2.bind(slapd.adminDn, slapd.adminPassword);
    for (let i = 0; i < k; i++) {
      await admin2.modify(names.userDn(i), new Change({ operation: "replace", modification: new Attribute({ type: "givenName", values: [`Given${i}`] }) }));
    }
    await admin2.unbind();
    await cycle(id, env, `cycle, ${k} users modified (mapped attribute)`, k);
    const removed = Math.min(100, Math.floor(USERS / 10));
    await slapd.removeMembers(names.provisionedGroupDn, Array.from({ length: removed }, (_, i) => names.userDn(USERS - 1 - i)));
    await cycle(id, env, `cycle, ${removed} users removed from the group`, removed);
    await slapd.rename(names.groupDn(0), "cn=renamed-group");
    await cycle(id, env, "cycle, one group renamed", 1);

    // 4. console reads at this size
    t = performance.now();
    await listChannels();
    rows.push({ step: "channel list (lib/channels/list-channels)", ms: performance.now() - t });
    const prisma = await getDb();
    t = performance.now();
    await prisma.userRecord.findMany({ where: { channelId: id }, orderBy: { id: "asc" }, skip: Math.floor(USERS / 2), take: 50 });
    rows.push({ step: "a page of 50 users in the middle", ms: performance.now() - t });
  } finally {
    target.stop();
    await slapd.stop();
    await closeDb();
    await db.drop();
  }

  console.log("\n| step | time | objects/s | peak RSS | note |\n|---|---:|---:|---:|---|");
  for (const r of rows) {
    const s = r.ms >= 1000 ? `${(r.ms / 1000).toFixed(2)} s` : `${r.ms.toFixed(0)} ms`;
    const rate = r.objects && r.ms > 0 ? Math.round(r.objects / (r.ms / 1000)).toString() : "";
    console.log(`| ${r.step} | ${s} | ${rate} | ${r.rssMb ? `${r.rssMb.toFixed(0)} MB` : ""} | ${r.note ?? ""} |`);
  }
  mkdirSync(path.join(ROOT, "bench/results"), { recursive: true });
  const file = path.join(ROOT, "bench/results", `bench-${USERS}-${new Date().toISOString().replace(/[:.]/g, "-")}.json`);
  writeFileSync(file, JSON.stringify({ users: USERS, groups: GROUPS, members: MEMBERS, concurrency: CONCURRENCY, machine: { cpus: os.cpus().length, node: process.version }, rows }, null, 2));
  console.log(`\nJSON: ${path.relative(ROOT, file)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
