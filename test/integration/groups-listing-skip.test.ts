// An incremental cycle leaves the groups' listing out when the directory has not been
// written since the last complete listing (OpenLDAP's contextCSN, lib/ldap/directory-marker.ts)
// and the group settings are the same — and lists them again after any write, any change
// of those settings, and on every full read. Against a real slapd and SCIMMY.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetGroupTimestamp } from "../../lib/channels/reset-group-timestamp.ts";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;
const dns: Record<string, string> = {};

beforeAll(async () => {
  w = await startWorld({ target: "scimmy" });
  for (const uid of ["gia", "gus", "gwen"]) {
    dns[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Lister", mail: `${uid}@example.com` });
  }
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, Object.values(dns));
  await w.slapd.addGroup("Listers", [dns.gia!]);
  await w.slapd.addGroup("Leavers", [dns.gus!]);
  expect((await w.cycle()).status).toBe("SUCCESS");
});
afterAll(async () => {
  await w?.stop();
});

async function cycle() {
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  return r;
}

async function targetMembers(name: string) {
  const g = (await w.scim.listGroups()).find((x) => x.displayName === name);
  const names = new Map((await w.scim.listUsers()).map((u) => [u.id, u.userName]));
  return (g?.members ?? []).map((id: string) => names.get(id)).sort();
}

describe("groups' listing left out while the directory stands still", () => {
  it("an idle incremental cycle leaves it out", async () => {
    await cycle();
    const r = await cycle();
    expect(r.stats.mode).toBe("incremental");
    expect(r.stats.groupsListingSkipped).toBe(true);
    expect(r.stats.groupsRead).toBe(0);
  });

  it("a member added in the directory lists the groups again and reaches the target in that cycle", async () => {
    await w.slapd.addMembers(`cn=Listers,${w.slapd.groupsDn}`, [dns.gwen!]);
    const r = await cycle();
    expect(r.stats.groupsListingSkipped ?? false).toBe(false);
    expect(await targetMembers("Listers")).toEqual(["gia", "gwen"]);
    expect((await cycle()).stats.groupsListingSkipped).toBe(true);
  });

  it("a group deleted in the directory is seen gone in the next cycle", async () => {
    await w.slapd.remove(`cn=Leavers,${w.slapd.groupsDn}`);
    const r = await cycle();
    expect(r.stats.groupsListingSkipped ?? false).toBe(false);
    const db = await getDb();
    const rec = await db.groupRecord.findFirst({ where: { channelId: w.channelId, providerName: "Leavers" } });
    expect(rec === null || rec.sourceState !== "IN_SCOPE").toBe(true);
  });

  it("new group settings list the groups again, with nothing written in the directory", async () => {
    expect((await cycle()).stats.groupsListingSkipped).toBe(true);
    await w.reconfigure((cfg) => {
      cfg.source.groupFilter = "(&(objectClass=groupOfNames)(cn=Listers))";
    });
    const r = await cycle();
    expect(r.stats.mode).toBe("incremental");
    expect(r.stats.groupsListingSkipped ?? false).toBe(false);
    expect(r.stats.groupsRead).toBe(1);
  });

  it("a full read always lists them", async () => {
    expect((await cycle()).stats.groupsListingSkipped).toBe(true);
    await resetGroupTimestamp({ channelId: w.channelId, actor: "test", via: "cli" });
    const r = await cycle();
    expect(r.stats.mode).toBe("full");
    expect(r.stats.groupsListingSkipped ?? false).toBe(false);
  });
});
