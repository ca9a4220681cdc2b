// Push mode against a real 389 Directory Server: the real worker keeps a persistent
// search (the "Persistent Search" plugin, control 2.16.840.1.113730.3.4.3) open over the
// retro changelog and asks for a cycle as soon as a changelog entry names the channel's
// base or provisioning group (lib/ldap/feeds/changelog.ts). The channel's own period is
// an hour: only the watch can bring a change to the target within seconds. Without the
// changelog feed's watch(), push mode asks for a cycle every 5 s and these bounds fail.
//
// Each kind of change is timed N times, from just before the directory write until the
// SCIM target shows it; the p50/p95 are printed (README.md, "Change latency").
import { afterAll, beforeAll, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startDsWorld, type TDsChannel, type TDsWorld } from "../helpers/ds-world.ts";
import { percentile, summary, timeChange } from "../helpers/push-latency.ts";
import { startWorker, type TWorkerProcess } from "../helpers/worker-process.ts";

const N = Number(process.env.FERRY_PUSH_SAMPLES ?? 10);
/** the goal is 5 s at p95 (issue 12); no single change may take longer here */
const BOUND_MS = 5_000;
/** a watch answers in well under a second; polling every 5 s (no watch) puts the median near 5 s */
const MEDIAN_MS = 2_000;
let w: TDsWorld;
let c: TDsChannel;
let worker: TWorkerProcess;
const dns: string[] = [];

beforeAll(async () => {
  w = await startDsWorld({ feeds: ["changelog"], scopes: ["group"] });
  c = w.channels[0]!;
  c.config.syncFrequencySec = 3600;
  c.config.source.syncMode = "push";
  await applyChannelConfig({ config: c.config, actor: "test", via: "test" });
  for (let i = 0; i < N + 2; i++) dns.push(await w.addUser(`p${i}`));
  // the first full read stores the changelog cookie; from there on only push runs cycles
  const r = await c.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  worker = startWorker({ FERRY_NODE_ID: "1" });
  await waitFor("the push watcher", async () => worker.output().includes("push mode: watching the directory"), 30_000);
  // its persistent search is open a moment after it starts
  await new Promise((r) => setTimeout(r, 1_000));
}, 120_000);
afterAll(async () => {
  worker?.kill("SIGTERM");
  if (worker) expect(await worker.exited).toBe(0);
  await w?.stop();
});

const target = async (uid: string) => (await c.scim.listUsers()).find((u) => u.userName === uid);

it("an attribute change is at the target within 5 s, with no cycle due for an hour", async () => {
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    ms.push(await timeChange(`p${i} renamed`, () => w.ds.replace(dns[i]!, { sn: `Pushed${i}` }), async () => (await target(`p${i}`))?.name?.familyName === `Pushed${i}`));
  }
  console.log(summary("389-DS push: modify", ms));
  expect(Math.max(...ms)).toBeLessThan(BOUND_MS);
  expect(percentile(ms, 50)).toBeLessThan(MEDIAN_MS);
});

it("a user added to the provisioning group is provisioned within 5 s", async () => {
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const dn = await w.addUser(`joiner${i}`, { inScope: false });
    ms.push(await timeChange(`joiner${i} provisioned`, () => w.ds.addMembers(w.appGroupDn, [dn]), async () => (await target(`joiner${i}`))?.active === true));
  }
  console.log(summary("389-DS push: added to the group", ms));
  expect(Math.max(...ms)).toBeLessThan(BOUND_MS);
  expect(percentile(ms, 50)).toBeLessThan(MEDIAN_MS);
});

it("a user deleted from the directory is deprovisioned within 5 s", async () => {
  const ms: number[] = [];
  for (let i = 0; i < N; i++) {
    const dn = await w.addUser(`leaver${i}`);
    await waitFor(`leaver${i} provisioned`, async () => (await target(`leaver${i}`))?.active === true, 10_000, 50);
    ms.push(await timeChange(`leaver${i} deprovisioned`, () => w.ds.remove(dn), async () => (await target(`leaver${i}`))?.active === false));
  }
  console.log(summary("389-DS push: deleted", ms));
  expect(Math.max(...ms)).toBeLessThan(BOUND_MS);
  expect(percentile(ms, 50)).toBeLessThan(MEDIAN_MS);
});

it("a directory restart: the watch comes back, a change still arrives, nobody else is touched", async () => {
  const activeBefore = (await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort();
  const down = await w.ds.restart();
  // changed right after the restart, maybe before the watcher is back: the reconnect's catch-up cycle reads it
  const t0 = Date.now();
  await w.ds.replace(dns[N]!, { sn: "AfterRestart" });
  await waitFor("the change made after the restart", async () => (await target(`p${N}`))?.name?.familyName === "AfterRestart", 20_000, 50);
  console.log(`389-DS push: restart took ${down} ms; a change right after it at the target in ${Date.now() - t0} ms`);
  // and the watch is live again: a later change arrives within the bound
  await new Promise((r) => setTimeout(r, 1_000));
  const ms = await timeChange("a change after reconnecting", () => w.ds.replace(dns[N + 1]!, { sn: "Live" }), async () => (await target(`p${N + 1}`))?.name?.familyName === "Live");
  console.log(`389-DS push: after reconnecting -> target in ${ms} ms`);
  expect(ms).toBeLessThan(BOUND_MS);
  expect((await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort()).toEqual(activeBefore);
  expect(worker.output()).toMatch(/push mode: the watch ended; reconnecting/);
});
