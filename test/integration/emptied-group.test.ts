// Regression: an emptied provisioning group must not disable everyone through the next
// incremental cycle. Found against a real OpenLDAP with the memberof overlay: emptying
// the group (replace: member) removed memberOf from every user and bumped their
// modifyTimestamp; the full read that saw the empty group was held, but the next cycle
// was incremental and its "changed and left the scope" pass disabled every user.
import { afterAll, beforeAll, expect, it } from "vitest";
import { Client } from "ldapts";
import { approveDeprovisioning } from "../../lib/channels/decide-deprovisioning.ts";
import { getDb } from "../../lib/db/index.ts";
import { parsed, provmgr } from "./provmgr.helpers.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

const USERS = 60;
let w: TWorld;
let group: string;
const dns: string[] = [];

beforeAll(async () => {
  w = await startWorld({ target: "scimmy" });
  group = `cn=app-users,${w.slapd.groupsDn}`;
  for (let i = 0; i < USERS; i++) {
    dns.push(await w.slapd.addUser({ uid: `e${i}`, givenName: "E", sn: `${i}`, mail: `e${i}@example.com` }));
  }
  await w.slapd.addMembers(group, dns);
  expect((await w.cycle()).status).toBe("SUCCESS");
  expect(await activeAtTarget()).toBe(USERS);
});
afterAll(async () => {
  await w?.stop();
});

async function activeAtTarget(): Promise<number> {
  return (await w.scim.listUsers()).filter((u) => u.active).length;
}

async function memberOf(dn: string): Promise<unknown> {
  const c = new Client({ url: w.slapd.url });
  await c.bind(w.slapd.adminDn, w.slapd.adminPassword);
  try {
    const { searchEntries } = await c.search(dn, { scope: "base", attributes: ["memberOf"] });
    return searchEntries[0]?.memberOf;
  } finally {
    await c.unbind();
  }
}

it("a group emptied with replace: member stays held on every following cycle, incremental ones included", async () => {
  expect(await memberOf(dns[0]!)).toBe(group);
  await w.slapd.modify(group, { member: "cn=nobody,dc=example,dc=com" });
  // the memberof overlay took memberOf from every user
  expect(await memberOf(dns[0]!)).toEqual([]);

  const n = await w.cycle();
  expect(n.status).toBe("PARTIAL");
  expect(n.message).toMatch(/no users in scope where 60 were known/);
  expect(await activeAtTarget()).toBe(USERS);

  for (let i = 0; i < 3; i++) {
    const next = await w.cycle();
    expect(next.status, next.message).toBe("PARTIAL");
    expect(next.message).toMatch(/held/);
    expect(await activeAtTarget()).toBe(USERS);
  }
});

it("an approval names the number reviewed; the next cycle deprovisions exactly the held users", async () => {
  const db = await getDb();
  const [hold] = await db.deprovisionHold.findMany({ where: { channelId: w.channelId, status: "HELD" } });
  expect(hold).toMatchObject({ kind: "users", rule: "empty-scope", count: USERS });
  expect(await db.userRecord.count({ where: { channelId: w.channelId, holdId: hold!.id } })).toBe(USERS);

  // what an administrator sees with provmgr, and the approval it prints
  const shown = await provmgr(["-c", String(w.channelId), "--show-holds"]);
  expect(shown.code, shown.stderr).toBe(0);
  expect(shown.stdout).toContain(`Hold #${hold!.id}: 60 users held for approval`);
  expect(shown.stdout).toContain("directory returned no users in scope where 60 were known");
  expect(shown.stdout).toMatch(/The first 20 of 60:/);
  expect(shown.stdout).toContain(`To approve: provmgr -c ${w.channelId} --approve-hold --hold ${hold!.id} --count 60`);
  const json = parsed(await provmgr(["-c", String(w.channelId), "--show-holds", "--json"]));
  expect(json.open[0]).toMatchObject({ id: String(hold!.id), count: 60, status: "HELD" });
  expect(json.open[0].sample).toHaveLength(20);

  const stale = await provmgr(["-c", String(w.channelId), "--approve-hold", "--hold", String(hold!.id), "--count", "59"]);
  expect(stale.code).not.toBe(0);
  expect(stale.stderr).toMatch(/now covers 60 users, not the 59 you reviewed/);
  expect(shown.stdout).toContain(`To reject:  provmgr -c ${w.channelId} --reject-hold --hold ${hold!.id} --count 60 [--reason <text>]`);
  const staleReject = await provmgr(["-c", String(w.channelId), "--reject-hold", "--hold", String(hold!.id), "--count", "61", "--reason", "looks wrong"]);
  expect(staleReject.code).not.toBe(0);
  expect(staleReject.stderr).toMatch(/now covers 60 users, not the 61 you reviewed/);
  const ok = await provmgr(["-c", String(w.channelId), "--approve-hold", "--hold", String(hold!.id), "--count", "60"]);
  expect(ok.code, ok.stderr).toBe(0);
  expect(ok.stdout).toMatch(/hold #\d+ approved: the next cycle deprovisions the 60 users it covers/);
  await expect(approveDeprovisioning({ channelId: w.channelId, holdId: hold!.id, count: USERS, actor: "alice", via: "test" })).rejects.toThrow(
    /is approved: nothing to approve/,
  );

  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect(r.stats.released.users).toBe(USERS);
  expect(await activeAtTarget()).toBe(0);
  const closed = await db.deprovisionHold.findUniqueOrThrow({ where: { id: hold!.id } });
  expect(closed).toMatchObject({ status: "RELEASED", approvedVia: "cli", outcome: "approved: 60 users released" });
  const audit = await db.auditLog.findFirst({ where: { channelId: w.channelId, action: "deprovisioning.approve" } });
  expect(audit).toMatchObject({ via: "cli", details: { count: 60, kind: "users", rule: "empty-scope" } });
});

it("users added back after an approved deprovisioning are enabled again", async () => {
  await w.slapd.modify(group, { member: dns });
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect(await activeAtTarget()).toBe(USERS);
});
