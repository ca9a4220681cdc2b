// Two real worker processes (nodes) and two channels loading at once into one SCIMMY
// behind a rate-limiting proxy (devkit/rate-limit-proxy.ts, 10 requests a second, 429
// with Retry-After above it). Both channels give target.rateLimit; the governor's row in
// PostgreSQL is all they share. What is asserted is behaviour: both channels complete,
// nothing stays dirty, and the proxy refused almost nothing (unthrottled, two first
// loads would send several times its capacity: rate-governor.test.ts shows it refusing).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { getDb } from "../../lib/db/index.ts";
import { readGovernorState } from "../../lib/governor/read-governor-state.ts";
import { targetHost } from "../../lib/governor/host-key.ts";
import { startRateLimitProxy, type TRateLimitProxy } from "../../devkit/rate-limit-proxy.ts";
import { waitFor } from "../../devkit/wait-for.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { startWorker, type TWorkerProcess } from "../helpers/worker-process.ts";

const R = 10;
const PER_CHANNEL = 25;
let w: TWorld;
let proxy: TRateLimitProxy;
const workers: TWorkerProcess[] = [];

beforeAll(async () => {
  w = await startWorld({ target: "scimmy" });
  proxy = await startRateLimitProxy(w.scim.baseUrl, { requestsPerSecond: R });
});
afterAll(async () => {
  for (const p of workers.splice(0)) {
    if (process.env.FERRY_TEST_DEBUG) console.log(`---- worker output\n${p.output()}`);
    p.kill("SIGTERM");
    await p.exited;
  }
  await proxy?.stop();
  await w?.stop();
});

async function members(group: string, prefix: string): Promise<void> {
  const dns: string[] = [];
  for (let i = 0; i < PER_CHANNEL; i++) dns.push(await w.slapd.addUser({ uid: `${prefix}${i}`, givenName: prefix, sn: `${i}`, mail: `${prefix}${i}@example.com` }));
  await w.slapd.addMembers(`cn=${group},${w.slapd.groupsDn}`, dns);
}

describe("rate governor across nodes", () => {
  it("two channels on two worker processes share the target's limit: both complete, almost nothing refused", async () => {
    const rateLimit = { requestsPerSecond: R };
    await w.reconfigure((c) => {
      c.syncFrequencySec = 2;
      c.target = { ...c.target, url: proxy.baseUrl, rateLimit, maxConcurrency: 4 };
      c.source.groupFilter = "(&(objectClass=groupOfNames)(!(cn=app-users))(!(cn=app-b)))";
    });
    await w.slapd.addGroup("app-b", []);
    const second = structuredClone(w.channelConfig);
    second.name = "second channel";
    second.connectionId = "second-sp";
    second.source.groupDn = `cn=app-b,${w.slapd.groupsDn}`;
    second.source.groupFilter = "(cn=none-at-all)";
    const { id: secondId } = await applyChannelConfig({ config: second, actor: "test", via: "test" });
    await members("app-users", "ra");
    await members("app-b", "rb");

    workers.push(startWorker({ FERRY_NODE_ID: "1" }), startWorker({ FERRY_NODE_ID: "2" }));
    const db = await getDb();
    const ids = [w.channelId, secondId];
    await waitFor(
      "both channels loaded",
      async () => {
        const users = await w.scim.listUsers();
        const done = ["ra", "rb"].every((p) => users.filter((u) => u.userName.startsWith(p)).length === PER_CHANNEL);
        return done && (await db.userRecord.count({ where: { channelId: { in: ids }, dirty: true } })) === 0;
      },
      90_000,
      250,
    );

    const s = proxy.stats();
    // at least a create per user of both channels went through the proxy
    expect(s.forwarded).toBeGreaterThanOrEqual(2 * PER_CHANNEL);
    // two first loads at full speed would meet hundreds of 429s; shared, at most a stray few
    expect(s.throttled).toBeLessThanOrEqual(Math.ceil(0.02 * (s.forwarded + s.throttled)));
    const [state] = await readGovernorState(db, [targetHost(proxy.baseUrl)]);
    expect(state).toMatchObject({ requestsPerSecond: R });
    const cycles = await db.cycle.findMany({ where: { channelId: { in: ids } }, select: { channelId: true, status: true, message: true } });
    for (const id of ids) expect(cycles.filter((c) => c.channelId === id && c.status === "SUCCESS"), JSON.stringify(cycles)).not.toHaveLength(0);
  }, 150_000);
});
