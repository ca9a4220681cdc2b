// The shared rate governor (lib/governor) on a real PostgreSQL: two Prisma clients stand
// for two processes (each has its own slots and its own gate, as two nodes would), the
// target is a real SCIMMY behind the rate-limiting proxy (devkit/rate-limit-proxy.ts).
// Assertions are about what the governor lets through, never how fast anything ran.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrisma, getDb, type PrismaClient } from "../../lib/db/index.ts";
import { rateGate } from "../../lib/governor/rate-gate.ts";
import { DECREASE } from "../../lib/governor/record-throttle.ts";
import { RECOVERY_PER_SEC } from "../../lib/governor/reserve-slots.ts";
import { readGovernorState } from "../../lib/governor/read-governor-state.ts";
import { targetHost } from "../../lib/governor/host-key.ts";
import { ZTargetFields } from "../../lib/channel-config/config.ts";
import { ZPlainSecret } from "../../lib/crypto/secret-types.ts";
import { ScimClient } from "../../lib/scim/client.ts";
import { ScimError } from "../../lib/scim/errors.ts";
import { startRateLimitProxy, type TRateLimitProxy } from "../../devkit/rate-limit-proxy.ts";
import { startScimmy } from "../../devkit/scim-scimmy.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

let cleanup: () => Promise<void>;
let nodeA: PrismaClient;
let nodeB: PrismaClient;
let scim: Awaited<ReturnType<typeof startScimmy>>;
let proxy: TRateLimitProxy;

beforeAll(async () => {
  const db = await useTestDatabase();
  cleanup = db.cleanup;
  nodeA = createPrisma(db.url);
  nodeB = createPrisma(db.url);
  scim = await startScimmy();
  proxy = await startRateLimitProxy(scim.baseUrl, { requestsPerSecond: 20 });
});
afterAll(async () => {
  await proxy?.stop();
  await scim?.stop();
  await nodeA?.$disconnect();
  await nodeB?.$disconnect();
  await cleanup?.();
});

/** When each acquire() of n per gate resolved (ms since the epoch), all gates at once. */
async function grantTimes(gates: Array<{ acquire(write: boolean): Promise<void> }>, n: number): Promise<number[]> {
  const times: number[] = [];
  await Promise.all(gates.flatMap((g) => Array.from({ length: n }, () => g.acquire(false).then(() => times.push(Date.now())))));
  return times.sort((a, b) => a - b);
}

describe("rate governor", () => {
  it("two processes share one host's rate: no second holds more slots than the rate plus the burst", async () => {
    const target = { url: "http://shared.example:8080/scim/v2", rateLimit: { requestsPerSecond: 20, burst: 1 } };
    const times = await grantTimes([rateGate(nodeA, target), rateGate(nodeB, target)], 30);
    expect(times).toHaveLength(60);
    // whatever the load of the machine, slots are never closer than the shared schedule allows
    for (let i = 0; i < times.length; i++) {
      const within = times.filter((t) => t >= times[i]! && t < times[i]! + 1000).length;
      expect(within).toBeLessThanOrEqual(20 + 1 + 2); // + a few ms of timer and clock slack at each end
    }
    const [state] = await readGovernorState(await getDb(), [targetHost(target.url)]);
    expect(state).toMatchObject({ host: "http://shared.example:8080", requestsPerSecond: 20, factor: 1, throttledTotal: 0 });
  });

  it("a writes-per-minute limit spaces writes only: reads go at once", async () => {
    const target = { url: "http://writes.example/scim", rateLimit: { writesPerMinute: 120, burst: 1 } };
    const g = rateGate(nodeA, target);
    const t0 = Date.now();
    for (let i = 0; i < 20; i++) await g.acquire(false);
    const readsMs = Date.now() - t0;
    for (let i = 0; i < 4; i++) await g.acquire(true);
    // 120 a minute is one every 0.5 s (a little more with the 3% headroom): four writes span at least 1.5 s
    expect(Date.now() - t0 - readsMs).toBeGreaterThanOrEqual(1450);
    expect(readsMs).toBeLessThan(1450);
  });

  it("a 429 seen by one process pauses the other and cuts the host's rate", async () => {
    const target = { url: "http://paused.example/scim", rateLimit: { requestsPerSecond: 50 } };
    const a = rateGate(nodeA, target);
    const b = rateGate(nodeB, target);
    await b.acquire(false);
    const t0 = Date.now();
    await a.throttled(1500);
    const [state] = await readGovernorState(await getDb(), [targetHost(target.url)]);
    // cut to DECREASE of the rate, climbing back by RECOVERY_PER_SEC
    expect(state!.factor).toBeGreaterThanOrEqual(DECREASE);
    expect(state!.factor).toBeLessThan(DECREASE + RECOVERY_PER_SEC);
    expect(state!.pausedForMs).toBeGreaterThan(0);
    expect(state).toMatchObject({ throttledRecent: 1, throttledTotal: 1, lastRetryAfterMs: 1500 });
    // slots b already holds (at most a chunk: 200 ms of the rate) may still go; its next chunk starts after the pause
    for (let i = 0; i < 12; i++) await b.acquire(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(1400);
  });

  it("without a configured rate a 429 still pauses every sender to the host", async () => {
    const target = { url: "http://no-limit.example/scim" };
    const a = rateGate(nodeA, target);
    const b = rateGate(nodeB, target);
    await b.acquire(false); // b has looked (not paused) and looks again, beside its requests, a second later
    const t0 = Date.now();
    await a.throttled(2500);
    // b goes on with what it saw until its next look comes back; then it waits out the pause
    let paused = false;
    while (!paused && Date.now() - t0 < 2000) {
      const t = Date.now();
      await b.acquire(false);
      paused = Date.now() - t >= 300;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(paused).toBe(true);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2400);
  });

  it("the proxy refuses above its capacity, and the governed client stays under it", async () => {
    // the proxy does limit: a burst well over its bucket meets 429s
    const blunt = new ScimClient({ ...targetOf(proxy.baseUrl), maxRetries: 0, maxConcurrency: 8 });
    const settled = await Promise.allSettled(Array.from({ length: 60 }, () => blunt.users.findByUserName("nobody")));
    await blunt.close();
    expect(settled.filter((s) => s.status === "rejected" && (s.reason as ScimError).status === 429).length).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 1500)); // the proxy's bucket fills again

    proxy.reset();
    const governed = { ...targetOf(proxy.baseUrl), maxConcurrency: 8, rateLimit: { requestsPerSecond: 20 } };
    const clients = [new ScimClient(governed, { governor: rateGate(nodeA, governed) }), new ScimClient(governed, { governor: rateGate(nodeB, governed) })];
    await Promise.all(clients.flatMap((c) => Array.from({ length: 25 }, () => c.users.findByUserName("nobody"))));
    for (const c of clients) await c.close();
    expect(proxy.stats()).toMatchObject({ forwarded: 50, throttled: 0 });
  });

  it("a stopped client does not wait out a pause: its waiting request fails at once, unsent", async () => {
    const t = { ...targetOf(proxy.baseUrl), rateLimit: { requestsPerSecond: 5 } };
    await rateGate(nodeB, t).throttled(30_000);
    const client = new ScimClient(t, { governor: rateGate(nodeA, t) });
    proxy.reset();
    const pending = client.users.findByUserName("nobody").catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 300));
    client.stop();
    const err = await pending;
    await client.close();
    expect((err as ScimError).message).toMatch(/not sent, the cycle was stopped/);
    expect(proxy.stats().forwarded + proxy.stats().throttled).toBe(0);
  });

  it("an unreachable governor database sends nothing: the request fails as transient, not sent", async () => {
    const unreachable = createPrisma("postgresql://postgres@127.0.0.1:1/none");
    const t = { ...targetOf(proxy.baseUrl), maxRetries: 1, rateLimit: { requestsPerSecond: 5 } };
    const client = new ScimClient(t, { governor: rateGate(unreachable, t) });
    proxy.reset();
    const err = await client.users.findByUserName("nobody").catch((e: unknown) => e);
    await client.close();
    await unreachable.$disconnect();
    expect(err).toBeInstanceOf(ScimError);
    expect((err as ScimError).kind).toBe("transient");
    expect((err as ScimError).message).toMatch(/not sent, the rate governor could not be asked/);
    expect(proxy.stats().forwarded + proxy.stats().throttled).toBe(0);
  });
});

function targetOf(url: string) {
  // every other field as the schema fills it in
  return { ...ZTargetFields.parse({ url }), auth: { type: "bearer" as const, token: ZPlainSecret.parse(scim.token) }, timeoutMs: 10_000, userMatching: "lookup-first" as const, maxRetries: 2 };
}
