// Push mode (source.syncMode "push"): the real worker keeps a refreshAndPersist content
// sync search open on the real slapd and runs a cycle as soon as the directory reports a
// change. The channel's own period is an hour, so only push can bring a change to the
// target within seconds (with syncMode "poll" these fail).
import { afterAll, beforeAll, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startWorker, type TWorkerProcess } from "../helpers/worker-process.ts";

const MODE = "push";
let w: TWorld;
let worker: TWorkerProcess;
let proxy: FaultProxy;
const dns: string[] = [];
const group = () => `cn=app-users,${w.slapd.groupsDn}`;

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    configure: (c) => {
      c.syncFrequencySec = 3600;
      c.source.syncMode = MODE;
    },
  });
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => (c.target.url = proxy.baseUrl));
  for (let i = 0; i < 10; i++) dns.push(await w.slapd.addUser({ uid: `p${i}`, givenName: "Push", sn: `${i}`, mail: `p${i}@example.com` }));
  await w.slapd.addMembers(group(), dns);
  // the first full read stores the feed's cookie; from there on only push runs cycles
  expect((await w.cycle()).status).toBe("SUCCESS");
  worker = startWorker({ FERRY_NODE_ID: "1" });
  if (MODE === "push") await waitFor("the push watcher", async () => worker.output().includes("push mode: watching the directory"), 30_000);
  // its persistent search is open a moment after it starts
  await new Promise((r) => setTimeout(r, 1_000));
});
afterAll(async () => {
  worker?.kill("SIGTERM");
  if (worker) expect(await worker.exited).toBe(0);
  await proxy?.stop();
  await w?.stop();
});

async function timeUntil(what: string, fn: () => Promise<boolean>): Promise<number> {
  const t0 = Date.now();
  await waitFor(what, async () => fn(), 5_000, 50);
  return Date.now() - t0;
}

it("an attribute change is at the target within 5 s, with no cycle due for an hour", async () => {
  const ms: number[] = [];
  for (let i = 0; i < 3; i++) {
    await w.slapd.modify(dns[i]!, { sn: `Pushed${i}` });
    ms.push(await timeUntil(`p${i} renamed at the target`, async () => (await w.scim.listUsers()).some((u) => u.userName === `p${i}` && u.name?.familyName === `Pushed${i}`)));
  }
  console.log(`push mode: directory change -> target in ${ms.join(", ")} ms`);
  expect(Math.max(...ms)).toBeLessThan(5_000);
});

it("a user deleted from the directory is deprovisioned within 5 s", async () => {
  await w.slapd.remove(dns[9]!);
  const ms = await timeUntil("p9 disabled at the target", async () => (await w.scim.listUsers()).some((u) => u.userName === "p9" && !u.active));
  console.log(`push mode: deletion -> target in ${ms} ms`);
});

it("a user added to the provisioning group is provisioned within 5 s, and deprovisioned within 5 s when removed", async () => {
  // slapo-memberof writes the user's memberOf in an internal operation that syncprov's
  // persist phase does not report: only the group entry's own change is seen
  const dn = await w.slapd.addUser({ uid: "joiner", givenName: "Push", sn: "Joiner", mail: "joiner@example.com" });
  await w.slapd.addMembers(group(), [dn]);
  const added = await timeUntil("joiner provisioned", async () => (await w.scim.listUsers()).some((u) => u.userName === "joiner" && u.active));
  await w.slapd.removeMembers(group(), [dn]);
  const removed = await timeUntil("joiner deprovisioned", async () => (await w.scim.listUsers()).some((u) => u.userName === "joiner" && !u.active));
  console.log(`push mode: added to the group -> target in ${added} ms, removed -> ${removed} ms`);
});

it("a change made while a cycle runs is not left for the next period", async () => {
  const db = await getDb();
  const before = (await db.cycle.aggregate({ where: { channelId: w.channelId }, _max: { id: true } }))._max.id ?? 0n;
  // the cycle the first change starts takes two seconds at the target
  proxy.inject({ pathIncludes: "/Users/", times: 1, delayMs: 2_000 });
  await w.slapd.modify(dns[3]!, { sn: "Slow" });
  const logged = proxy.log.length;
  // its slow write is on the wire: it has read the directory already
  await waitFor("the slow write sent", async () => proxy.log.slice(logged).some((e) => e.path.includes("/Users/") && e.method !== "GET"), 5_000, 20);
  expect(await db.cycle.findFirst({ where: { channelId: w.channelId, id: { gt: before }, status: "RUNNING" } })).toBeTruthy();
  await w.slapd.modify(dns[4]!, { sn: "During" });
  // that cycle ends by queueing the next one an hour later: the watcher's request must win
  const ms = await timeUntil("the change made during the cycle at the target", async () =>
    (await w.scim.listUsers()).some((u) => u.userName === "p4" && u.name?.familyName === "During"),
  );
  console.log(`push mode: change during a running cycle -> target in ${ms} ms`);
  expect((await w.scim.listUsers()).find((u) => u.userName === "p3")?.name?.familyName).toBe("Slow");
});

it("a directory restart: the watcher reconnects, what changed meanwhile reaches the target, nobody else is touched", async () => {
  const activeBefore = (await w.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort();
  const t0 = Date.now();
  await w.slapd.restart(1_500);
  // changed right after the restart, maybe before the watcher is back: its refresh from the cookie reports it
  await w.slapd.modify(dns[5]!, { sn: "AfterRestart" });
  await waitFor("the change made after the restart at the target", async () =>
    (await w.scim.listUsers()).some((u) => u.userName === "p5" && u.name?.familyName === "AfterRestart"),
    15_000,
    50,
  );
  console.log(`push mode: directory down 1.5 s; change after the restart at the target ${Date.now() - t0} ms after the restart began`);
  // and the watch is live again: a later change arrives within seconds
  await w.slapd.modify(dns[6]!, { sn: "Live" });
  const ms = await timeUntil("a change after reconnecting", async () => (await w.scim.listUsers()).some((u) => u.userName === "p6" && u.name?.familyName === "Live"));
  console.log(`push mode: after reconnecting -> target in ${ms} ms`);
  expect((await w.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort()).toEqual(activeBefore);
  expect(worker.output()).toMatch(/push mode: the watch ended; reconnecting/);
});
