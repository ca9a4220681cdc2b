// The look before a scheduled cycle (lib/sync/quiet-poll.ts) with nested groups on
// OpenLDAP (slapo-dynlist computes memberOf through nested groups): the syncrepl feed then
// syncs every user entry under the base, so the look places each changed entry with the
// scope filter and the store. A user edited outside the scope leaves it quiet. Real
// slapd, SCIMMY and PostgreSQL.
import { afterAll, beforeAll, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { lookBeforeCycle, type TPollLook } from "../../lib/sync/quiet-poll.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

let n: TWorld;
let team: string;
let inside: string;
let outside: string;

async function look(): Promise<TPollLook> {
  const db = await getDb();
  return lookBeforeCycle(db, await db.channel.findUniqueOrThrow({ where: { id: n.channelId } }), 600);
}

async function cleanCycle(): Promise<void> {
  const r = await n.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
}

beforeAll(async () => {
  n = await startWorld({
    target: "scimmy",
    slapd: { memberOf: "dynlist-nested" },
    configure: (cfg) => {
      cfg.source.nestedGroups = true;
      cfg.source.changeCapture = "syncrepl";
      cfg.options.provisionGroups = false;
    },
  });
  team = await n.slapd.addGroup("team", []);
  inside = await n.slapd.addUser({ uid: "in0", givenName: "In", sn: "Side", mail: "in0@example.com" });
  outside = await n.slapd.addUser({ uid: "out0", givenName: "Out", sn: "Side", mail: "out0@example.com" });
  await n.slapd.addMembers(team, [inside]);
  await n.slapd.addMembers(`cn=app-users,${n.slapd.groupsDn}`, [team]);
  await cleanCycle();
});
afterAll(async () => {
  await n?.stop();
});

it("a user outside the scope edited: quiet; one inside edited, or joining a nested group: a cycle", async () => {
  expect(await look()).toEqual({ quiet: true });
  await n.slapd.modify(outside, { givenName: "Outer" });
  expect(await look()).toEqual({ quiet: true });

  await n.slapd.modify(inside, { givenName: "Inner" });
  expect(await look()).toEqual({ quiet: false, reason: "users in the channel's scope changed" });
  await cleanCycle();
  expect(await look()).toEqual({ quiet: true });

  await n.slapd.addMembers(team, [outside]);
  expect(await look()).toMatchObject({ quiet: false });
  await cleanCycle();
  expect((await n.scim.listUsers()).map((u) => u.userName).sort()).toEqual(["in0", "out0"]);
  expect(await look()).toEqual({ quiet: true });
});
