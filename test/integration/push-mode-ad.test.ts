// Push mode against a real Samba AD DC: the real worker keeps a change notification search
// (LDAP_SERVER_NOTIFICATION_OID 1.2.840.113556.1.4.528, with Show Deleted) open over the
// domain and looks at highestCommittedUSN every second (lib/ldap/feeds/ad-watch.ts), and
// asks for a cycle as soon as a user or group changes. One channel per AD feed (DirSync,
// uSNChanged), each to its own SCIMMY target; their period is an hour: only the watch can
// bring a change to the target within seconds. Without the AD feeds' watch(), push mode
// asks for a cycle every 5 s and these bounds fail.
//
// Each kind of change is timed N times per channel, from just before the directory write
// until the channel's target shows it; the p50/p95 are printed (README.md, "Change latency").
import { afterAll, beforeAll, expect, it } from "vitest";
import { waitFor } from "../../devkit/wait-for.ts";
import { feedsUnderTest, startAdWorld, type TAdChannel, type TAdWorld } from "../helpers/ad-world.ts";
import { percentile, summary } from "../helpers/push-latency.ts";
import { startTcpProxy, type TTcpProxy } from "../helpers/tcp-proxy.ts";
import { startWorker, type TWorkerProcess } from "../helpers/worker-process.ts";

const N = Number(process.env.FERRY_PUSH_SAMPLES ?? 10);
/** the goal is 5 s at p95 (issue 12); no single change may take longer here */
const BOUND_MS = 5_000;
/** a watch answers in well under a second; polling every 5 s (no watch) puts the median near 5 s */
const MEDIAN_MS = 2_000;
let w: TAdWorld;
/** the channels reach Samba through it: an outage there is a directory restart as the watch sees it */
let proxy: TTcpProxy;
let worker: TWorkerProcess;
const dns: string[] = [];

beforeAll(async () => {
  proxy = await startTcpProxy();
  w = await startAdWorld({
    feeds: feedsUnderTest(),
    configure: (cfg, ad) => {
      proxy.target = { host: ad.ip, port: 389 };
      cfg.source.url = proxy.url;
      cfg.syncFrequencySec = 3600;
      cfg.source.syncMode = "push";
    },
  });
  for (let i = 0; i < N + 2; i++) dns.push(await w.addUser(`p${i}`, { memberOf: [w.appGroupDn] }));
  // the first full read stores each feed's cookie; from there on only push runs cycles
  for (const c of w.channels) {
    const r = await c.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
  }
  worker = startWorker({ FERRY_NODE_ID: "1" });
  await waitFor("the push watchers", async () => worker.output().split("push mode: watching the directory").length - 1 >= w.channels.length, 30_000);
  await new Promise((r) => setTimeout(r, 1_500));
}, 120_000);
afterAll(async () => {
  worker?.kill("SIGTERM");
  if (worker) expect(await worker.exited).toBe(0);
  await w?.stop();
  await proxy?.stop();
});

const target = async (c: TAdChannel, sam: string) => (await c.scim.listUsers()).find((u) => u.userName === sam);

/** Runs `write`, then times each channel until its target shows the change: from just before the write. */
async function timeEach(what: string, write: () => Promise<unknown>, arrived: (c: TAdChannel) => Promise<boolean>, into: Map<string, number[]>): Promise<void> {
  const t0 = Date.now();
  await write();
  await Promise.all(
    w.channels.map(async (c) => {
      await waitFor(`${what} (${c.feed})`, async () => arrived(c), 10_000, 50);
      into.set(c.feed, [...(into.get(c.feed) ?? []), Date.now() - t0]);
    }),
  );
}

function check(kind: string, per: Map<string, number[]>): void {
  for (const [feed, ms] of per) console.log(summary(`Samba AD push (${feed}): ${kind}`, ms));
  for (const [feed, ms] of per) {
    expect(Math.max(...ms), feed).toBeLessThan(BOUND_MS);
    expect(percentile(ms, 50), feed).toBeLessThan(MEDIAN_MS);
  }
}

it("an attribute change is at the target within 5 s, with no cycle due for an hour", async () => {
  const per = new Map<string, number[]>();
  for (let i = 0; i < N; i++) {
    await timeEach(`p${i} renamed`, () => w.ad.replace(dns[i]!, { sn: `Pushed${i}` }), async (c) => (await target(c, `p${i}`))?.name?.familyName === `Pushed${i}`, per);
  }
  check("modify", per);
});

it("a user added to the provisioning group is provisioned within 5 s", async () => {
  const per = new Map<string, number[]>();
  for (let i = 0; i < N; i++) {
    const dn = await w.addUser(`joiner${i}`);
    await timeEach(`joiner${i} provisioned`, () => w.ad.addMembers(w.appGroupDn, [dn]), async (c) => (await target(c, `joiner${i}`))?.active === true, per);
  }
  check("added to the group", per);
});

it("a user deleted from the directory is deprovisioned within 5 s", async () => {
  const per = new Map<string, number[]>();
  for (let i = 0; i < N; i++) {
    const dn = await w.addUser(`leaver${i}`, { memberOf: [w.appGroupDn] });
    for (const c of w.channels) await waitFor(`leaver${i} provisioned (${c.feed})`, async () => (await target(c, `leaver${i}`))?.active === true, 10_000, 50);
    await timeEach(`leaver${i} deprovisioned`, () => w.ad.remove(dn), async (c) => (await target(c, `leaver${i}`))?.active === false, per);
  }
  check("deleted", per);
});

it("the connection to the directory lost for 1.5 s: the watch comes back, a change still arrives, nobody else is touched", async () => {
  const activeBefore = new Map<string, string[]>();
  for (const c of w.channels) activeBefore.set(c.feed, (await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort());
  const t0 = Date.now();
  const outage = proxy.outage(1_500);
  // changed while the directory is out of reach: the reconnect's catch-up cycle reads it
  await w.ad.replace(dns[N]!, { sn: "DuringOutage" });
  await outage;
  for (const c of w.channels) {
    await waitFor(`the change made during the outage (${c.feed})`, async () => (await target(c, `p${N}`))?.name?.familyName === "DuringOutage", 20_000, 50);
  }
  console.log(`Samba AD push: connection lost 1.5 s; a change made meanwhile at the targets ${Date.now() - t0} ms after the outage began`);
  // and the watch is live again: a later change arrives within the bound
  await new Promise((r) => setTimeout(r, 1_000));
  const per = new Map<string, number[]>();
  await timeEach("a change after reconnecting", () => w.ad.replace(dns[N + 1]!, { sn: "Live" }), async (c) => (await target(c, `p${N + 1}`))?.name?.familyName === "Live", per);
  for (const [feed, [ms]] of per) {
    console.log(`Samba AD push (${feed}): after reconnecting -> target in ${ms} ms`);
    expect(ms, feed).toBeLessThan(BOUND_MS);
  }
  for (const c of w.channels) expect((await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort(), c.feed).toEqual(activeBefore.get(c.feed));
  expect(worker.output()).toMatch(/push mode: the watch ended; reconnecting/);
});
