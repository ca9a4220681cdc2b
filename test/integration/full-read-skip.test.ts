// A full read leaves out, in the database, the entries whose record holds the same
// timestamp, state and fingerprint of the DN and attributes (lib/ldap/fingerprint.ts):
// only the others are mapped and decided. These tests hold that to what matters: a change
// the timestamp cannot show (a second write within its one second) still reaches the
// target; a change the mapping does not use sends nothing but is remembered; records from
// before the fingerprint existed are looked at once.
import { Client } from "ldapts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resetGroupTimestamp } from "../../lib/channels/reset-group-timestamp.ts";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;

beforeAll(async () => {
  w = await startWorld({ target: "scimmy" });
  const group = `cn=app-users,${w.slapd.groupsDn}`;
  for (const uid of ["fra", "fred", "fiona"]) {
    await w.slapd.addUser({ uid, givenName: uid, sn: "Full", mail: `${uid}@example.com` });
    await w.slapd.addMembers(group, [`uid=${uid},${w.slapd.peopleDn}`]);
  }
  expect((await w.cycle()).status).toBe("SUCCESS");
});
afterAll(async () => {
  await w?.stop();
});

async function modifyTimestamp(dn: string): Promise<string> {
  const c = new Client({ url: w.slapd.url });
  try {
    await c.bind(w.slapd.adminDn, w.slapd.adminPassword);
    const { searchEntries } = await c.search(dn, { scope: "base", attributes: ["modifyTimestamp"] });
    return String(searchEntries[0]!.modifyTimestamp);
  } finally {
    await c.unbind();
  }
}

/** The store's record as if it had been read after this write, in the same second: the new timestamp, the old attributes. */
async function storeTimestampAsOfNow(uid: string): Promise<void> {
  const ts = await modifyTimestamp(`uid=${uid},${w.slapd.peopleDn}`);
  const db = await getDb();
  await db.userRecord.updateMany({ where: { channelId: w.channelId, providerName: uid }, data: { ldapTimestamp: ts } });
}

async function fullCycle() {
  await resetGroupTimestamp({ channelId: w.channelId, actor: "test", via: "cli" });
  const r = await w.cycle();
  expect(r.status).toBe("SUCCESS");
  expect(r.stats.mode).toBe("full");
  return r;
}

describe("full read: unchanged entries left out by fingerprint", () => {
  it("a mapped change the timestamp does not show (same second) still reaches the target", async () => {
    const dn = `uid=fred,${w.slapd.peopleDn}`;
    await w.slapd.modify(dn, { givenName: "Frederick" });
    await storeTimestampAsOfNow("fred");
    const r = await fullCycle();
    expect(r.stats.pushed.UPDATE).toBe(1);
    const u = (await w.scim.listUsers()).find((x) => x.userName === "fred");
    expect(u?.name?.givenName).toBe("Frederick");
  });

  it("an unmapped change sends nothing, is remembered, and the next full read leaves the entry out", async () => {
    const dn = `uid=fiona,${w.slapd.peopleDn}`;
    const before = await userRecord(w.channelId, "fiona");
    await w.slapd.modify(dn, { description: "not mapped" });
    await storeTimestampAsOfNow("fiona");
    const r1 = await fullCycle();
    expect(r1.stats.pushed.UPDATE ?? 0).toBe(0);
    const after = await userRecord(w.channelId, "fiona");
    expect(after?.attrsFp).not.toBe(before?.attrsFp);
    expect((after?.ldapAttributes as Record<string, string[]>).description).toEqual(["not mapped"]);
    expect(after?.dirty).toBe(false);
    const r2 = await fullCycle();
    expect(r2.stats.usersWritten).toBe(0);
    expect((await userRecord(w.channelId, "fiona"))?.attrsFp).toBe(after?.attrsFp);
  });

  it("records without a fingerprint (stored before it existed) are looked at once, and nothing is sent for them", async () => {
    const db = await getDb();
    await db.userRecord.updateMany({ where: { channelId: w.channelId }, data: { attrsFp: null } });
    const sent = w.scim.requestCount();
    const r = await fullCycle();
    expect(Object.values(r.stats.pushed).reduce((a, b) => a + b, 0)).toBe(0);
    // the full read's own look at the target's groups aside, no write went out
    expect(w.scim.requestCount() - sent).toBeLessThanOrEqual(5);
    const left = await db.userRecord.count({ where: { channelId: w.channelId, attrsFp: null } });
    expect(left).toBe(0);
  });
});
