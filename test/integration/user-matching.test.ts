// userMatching: create-first. For targets that enforce userName uniqueness (RFC 7643;
// the real Better Auth SCIM plugin does), a user not yet linked is created straight away
// and an existing target user is linked on the 409 uniqueness answer: still matched by
// userName as the seed's Janet example says, in half the requests of a first load.
import { afterAll, beforeAll, expect, it } from "vitest";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;

beforeAll(async () => {
  w = await startWorld({ configure: (cfg) => (cfg.target.userMatching = "create-first") });
});
afterAll(async () => {
  await w?.stop();
});

it("create-first: new users cost one request, an existing target user is linked on 409 uniqueness, never duplicated", async () => {
  const pre = await w.scim.request("POST", "/Users", {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"],
    userName: "kjones",
    name: { givenName: "Kay", familyName: "Jones" },
    emails: [{ value: "old-kjones@example.com", primary: true }],
  });
  expect(pre.status).toBe(201);
  const dns = [
    await w.slapd.addUser({ uid: "kjones", givenName: "Katherine", sn: "Jones", mail: "kjones@example.com" }),
    await w.slapd.addUser({ uid: "lnew", givenName: "Lee", sn: "New", mail: "lnew@example.com" }),
  ];
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, dns);

  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  // discovery; kjones: POST (409 uniqueness), GET by userName, PATCH; lnew: POST
  expect(r.stats.scimRequests).toBe(5);

  const users = await w.scim.listUsers();
  const kjones = users.filter((u) => u.userName === "kjones");
  expect(kjones).toHaveLength(1);
  expect(kjones[0]!.id).toBe(pre.body.id);
  expect(kjones[0]!.name?.givenName).toBe("Katherine");
  expect(users.filter((u) => u.userName === "lnew")).toHaveLength(1);
  expect((await userRecord(w.channelId, "kjones"))?.scimId).toBe(pre.body.id);
  expect((await userRecord(w.channelId, "lnew"))?.dirty).toBe(false);

  // nothing left to do: the next cycle sends discovery only
  expect((await w.cycle()).stats.scimRequests).toBe(1);
});
