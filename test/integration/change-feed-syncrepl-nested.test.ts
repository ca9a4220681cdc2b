// Nested groups on OpenLDAP: users in groups inside the provisioning group are in scope
// (slapo-dynlist computes memberOf through nested groups). A nested group's membership
// change touches no user entry, so neither a user's timestamp nor the user sync search
// can see it: the syncrepl feed watches the groups too and has the scope read again.
// Switched to changeCapture "timestamp", the two membership cases fail.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { fastForward } from "./provmgr.helpers.ts";

const CAPTURE = "syncrepl";
let w: TWorld;
let team: string;
const direct: string[] = [];
let nested0: string;

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    slapd: { memberOf: "dynlist-nested" },
    configure: (cfg) => {
      cfg.source.nestedGroups = true;
      cfg.source.changeCapture = CAPTURE;
    },
  });
  const group = `cn=app-users,${w.slapd.groupsDn}`;
  team = await w.slapd.addGroup("team", []);
  for (let i = 0; i < 10; i++) direct.push(await w.slapd.addUser({ uid: `d${i}`, givenName: "Direct", sn: `${i}`, mail: `d${i}@example.com` }));
  nested0 = await w.slapd.addUser({ uid: "n0", givenName: "Nested", sn: "Zero", mail: "n0@example.com" });
  await w.slapd.addUser({ uid: "n1", givenName: "Nested", sn: "One", mail: "n1@example.com" });
  await w.slapd.addMembers(team, [nested0]);
  await w.slapd.addMembers(group, [...direct, team]);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect(await active("n0")).toBe(true);
  expect(await active("n1")).toBeUndefined();
});
afterAll(async () => {
  await w?.stop();
});

async function active(userName: string): Promise<boolean | undefined> {
  return (await w.scim.listUsers()).find((u) => u.userName === userName)?.active;
}

it("a user added to a nested group is provisioned by the next incremental cycle", async () => {
  // the users were made seconds ago: polling's two-minute look-back would see them all
  await fastForward(w.channelId);
  await w.slapd.addMembers(team, [`uid=n1,${w.slapd.peopleDn}`]);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect(r.stats.mode).toBe("incremental");
  expect(await active("n1")).toBe(true);
});

it("a user removed from a nested group is deprovisioned by the next incremental cycle", async () => {
  await fastForward(w.channelId);
  await w.slapd.removeMembers(team, [nested0]);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect(r.stats.mode).toBe("incremental");
  expect(await active("n0")).toBe(false);
  expect(await active("n1")).toBe(true);
});

it("a nested member's own change is an update, never taken for leaving the scope", async () => {
  // syncprov matches the stored entry, which has no memberOf (dynlist computes it): the
  // feed must not believe it when it says a nested member no longer matches the scope
  await w.slapd.modify(`uid=n1,${w.slapd.peopleDn}`, { sn: "Uno" });
  await w.slapd.modify(direct[0]!, { sn: "Changed" });
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect(r.stats.mode).toBe("incremental");
  expect(r.stats.usersLeftScope).toBe(0);
  const users = await w.scim.listUsers();
  expect(users.find((u) => u.userName === "n1")).toMatchObject({ active: true, name: { familyName: "Uno" } });
  expect(users.find((u) => u.userName === "d0")).toMatchObject({ active: true, name: { familyName: "Changed" } });
  expect(users.filter((u) => u.active).length).toBe(11);
});
