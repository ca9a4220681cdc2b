// The syncrepl feed with a filter scope ((employeeType=staff) under the people): a user
// whose filter attribute changes leaves or enters the scope, and a deletion is seen, each
// by the next incremental cycle. With changeCapture "timestamp" the deletion waits for the
// next full read (the leaving and entering are seen by timestamps too).
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";

const CAPTURE = "syncrepl";
let w: TWorld;
const dns: string[] = [];

beforeAll(async () => {
  w = await startWorld({ target: "scimmy", scope: "filter", configure: (cfg) => (cfg.source.changeCapture = CAPTURE) });
  for (let i = 0; i < 12; i++) {
    dns.push(await w.slapd.addUser({ uid: `f${i}`, givenName: "Filter", sn: `${i}`, mail: `f${i}@example.com`, employeeType: i < 10 ? "staff" : "contractor" }));
  }
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect((await w.scim.listUsers()).filter((u) => u.active)).toHaveLength(10);
});
afterAll(async () => {
  await w?.stop();
});

async function active(userName: string): Promise<boolean | undefined> {
  return (await w.scim.listUsers()).find((u) => u.userName === userName)?.active;
}

it("a user whose filter attribute changes leaves the scope by the next incremental cycle; another enters it", async () => {
  await w.slapd.modify(dns[0]!, { employeeType: "contractor" });
  await w.slapd.modify(dns[10]!, { employeeType: "staff" });
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect(r.stats.mode).toBe("incremental");
  expect(await active("f0")).toBe(false);
  expect((await userRecord(w.channelId, "f0"))?.sourceState).toBe("OUT_OF_SCOPE");
  expect(await active("f10")).toBe(true);
});

it("a user deleted from the directory is deprovisioned by the next incremental cycle", async () => {
  await w.slapd.remove(dns[1]!);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect(r.stats.mode).toBe("incremental");
  expect(await active("f1")).toBe(false);
  expect((await userRecord(w.channelId, "f1"))?.sourceState).toBe("DELETED");
  expect((await w.scim.listUsers()).filter((u) => u.active)).toHaveLength(9);
});
