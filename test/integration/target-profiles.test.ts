// Issue 15 against the real Better Auth SCIM plugin, which takes at most 100 members in
// one request and answers more with 400 "One or more Group members are invalid". With
// membersPerPatch 200 every group over 100 members used to fail every cycle; now the
// refused write is split, the group arrives whole, and the size that went through is
// stored for the channel so the next cycle does not try 200 again. With the better-auth
// profile the channel never sends more than 100 in the first place.
import { afterAll, beforeAll, expect, it } from "vitest";
import { ZTargetEdit } from "../../lib/channel-config/config.ts";
import { testTargetConnection } from "../../lib/channels/test-target-connection.ts";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

const MEMBERS = 150;
let w: TWorld;
const dns: string[] = [];

beforeAll(async () => {
  // the setting: membersPerPatch 200 given explicitly, no profile
  w = await startWorld({ configure: (cfg) => (cfg.target.membersPerPatch = 200) });
  for (let i = 0; i < MEMBERS; i++) {
    dns.push(await w.slapd.addUser({ uid: `big${String(i).padStart(3, "0")}`, givenName: "Big", sn: `Member ${i}`, mail: `big${i}@example.com` }));
  }
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

async function learned(): Promise<number | null> {
  const db = await getDb();
  return (await db.channel.findUniqueOrThrow({ where: { id: w.channelId } })).membersPerPatchLearned;
}

it("a group of 150 with membersPerPatch 200: the refused create is split, the group arrives whole, the size that went through is kept", async () => {
  await w.slapd.addGroup("Big Group", dns);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  const g = (await w.scim.listGroups()).find((x) => x.displayName === "Big Group");
  expect(g?.members).toHaveLength(MEMBERS);
  const size = await learned();
  expect(size).not.toBeNull();
  expect(size!).toBeLessThanOrEqual(100);
  const group = await (await getDb()).groupRecord.findFirst({ where: { channelId: w.channelId, providerName: "Big Group" } });
  expect(group?.dirty).toBe(false);
});

it("the next cycle starts at the size it learned: a second big group goes through without a refusal", async () => {
  const db = await getDb();
  const before = await db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM provisioning_log WHERE channel_id = $1 AND status = 400`, w.channelId);
  await w.slapd.addGroup("Big Group 2", dns);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect((await w.scim.listGroups()).find((x) => x.displayName === "Big Group 2")?.members).toHaveLength(MEMBERS);
  const after = await db.$queryRawUnsafe<Array<{ n: bigint }>>(`SELECT count(*) AS n FROM provisioning_log WHERE channel_id = $1 AND status = 400`, w.channelId);
  expect(Number(after[0]!.n)).toBe(Number(before[0]!.n));
});

it("with target.profile better-auth and no membersPerPatch, the profile's 100 is used: no refusal at all", async () => {
  await w.reconfigure((cfg) => {
    delete cfg.target.membersPerPatch;
    cfg.target.profile = "better-auth";
  });
  expect(await learned()).toBeNull();
  await w.slapd.addGroup("Big Group 3", dns);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect((await w.scim.listGroups()).find((x) => x.displayName === "Big Group 3")?.members).toHaveLength(MEMBERS);
  expect(await learned()).toBeNull();
});

it("Test target probes Better Auth: eq filters, paging capped at 100, PATCH routed; suggests better-auth and warns about membersPerPatch 200", async () => {
  const target = ZTargetEdit.parse({ url: w.scim.baseUrl, auth: { type: "bearer", token: w.scim.token }, membersPerPatch: 200 });
  const r = await testTargetConnection({ actor: "test", via: "test", target: { ok: true, value: target } });
  expect(r.ok, JSON.stringify(r)).toBe(true);
  if (!r.ok) return;
  expect(r.probe.schemas).not.toBeNull();
  expect(r.probe.resourceTypes).toEqual(expect.arrayContaining(["User", "Group"]));
  expect(r.probe.filters.eq).toBe(true);
  expect(r.probe.paging.startIndex).toBe(true);
  // 150 users there, count=1000 asked: the plugin answers 100
  expect(r.probe.paging.maxPageSize).toBe(100);
  expect(r.probe.patch).toBe(true);
  expect(r.suggestedProfile.profile).toBe("better-auth");
  expect(r.effective).toMatchObject({ profile: "generic", membersPerPatch: 200 });
  expect(r.warnings.join("\n")).toMatch(/membersPerPatch 200 is above the 100 members per request Better Auth/);
  expect(r.warnings.join("\n")).toMatch(/set target.profile: better-auth/);
  // nothing was created by the probe
  expect((await w.scim.listUsers()).filter((u) => u.userName.startsWith("ferry-probe"))).toHaveLength(0);
});
