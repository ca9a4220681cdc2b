// Progress of long work (issue 14): a running cycle reports its phase, what it pushed,
// what is left, the rate and the time left to the store every two seconds; the console's
// list (cycleActivity) and provmgr --show-channels read it there. A real slow target: the
// Better Auth SCIM service behind a fault proxy that delays each create.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cycleActivity } from "../../lib/channels/cycle-activity.ts";
import { getDb } from "../../lib/db/index.ts";
import type { FaultProxy } from "../harness/fault-proxy.ts";
import { startWorldBehindProxy, type TWorld } from "../helpers/fixture.ts";
import { provmgr } from "./provmgr.helpers.ts";

let w: TWorld;
let proxy: FaultProxy;
const USERS = 24;

beforeAll(async () => {
  ({ w, proxy } = await startWorldBehindProxy({ maxConcurrency: 1 }));
  await w.cycle();
  const dns: string[] = [];
  for (let i = 0; i < USERS; i++) dns.push(await w.slapd.addUser({ uid: `p${i}`, givenName: "P", sn: `${i}`, mail: `p${i}@example.com` }));
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
});
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

describe("progress", () => {
  it("a running cycle says what it does, how far it is and how long is left; the finished one keeps its last report", async () => {
    // each create waits 250 ms at the proxy: 24 of them, one at a time, take about 6 s
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: USERS, delayMs: 250 });
    const running = w.cycle();
    const seen: Array<NonNullable<Awaited<ReturnType<typeof cycleActivity>> extends Map<number, infer A> ? A : never>> = [];
    let shown = "";
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      const a = (await cycleActivity([w.channelId])).get(w.channelId)!;
      if (a.running && a.progress && a.progress.pushed > 0) {
        seen.push(a);
        if (!shown) {
          const out = await provmgr(["--show-channels"]);
          shown = out.stdout;
        }
        if (seen.length >= 2) break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    const r = await running;
    expect(r.status).toBe("SUCCESS");
    expect(seen.length).toBeGreaterThanOrEqual(1);
    const p = seen.at(-1)!.progress!;
    expect(p.phases).toContain("users.push");
    expect(p.left).toBeGreaterThan(0);
    expect(p.pushed + p.left!).toBeGreaterThanOrEqual(USERS - 1);
    expect(p.pushed + p.left!).toBeLessThanOrEqual(USERS + 1);
    expect(p.perSec).toBeGreaterThan(0);
    expect(p.etaSec).toBeGreaterThan(0);
    // provmgr says it the same way, in the row's last columns
    expect(shown).toMatch(/RUNNING \S+\s+\d+% pushing users, read \d+ users, pushed \d+ of \d+, [\d.]+\/s, about \d+ (s|min) left/);

    const db = await getDb();
    const cycle = await db.cycle.findUniqueOrThrow({ where: { id: r.cycleId } });
    expect(cycle.progress).not.toBeNull();
    // not shown once the cycle finished
    expect((await cycleActivity([w.channelId])).get(w.channelId)!.progress).toBeNull();
  });
});
