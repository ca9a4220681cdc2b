// "Never deprovision by accident": a failed, truncated or empty directory read, or one
// that would remove too many people at once, deprovisions no one and says why.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;
let group: string;
const dns: string[] = [];

beforeAll(async () => {
  w = await startWorld({ slapd: { readerSizeLimit: 5 } });
  group = `cn=app-users,${w.slapd.groupsDn}`;
  for (let i = 0; i < 12; i++) {
    dns.push(await w.slapd.addUser({ uid: `u${i}`, givenName: "U", sn: `${i}`, mail: `u${i}@example.com` }));
  }
  await w.slapd.addMembers(group, dns);
  const r = await w.cycle();
  expect(r.status).toBe("SUCCESS");
});
afterAll(async () => {
  await w?.stop();
});

async function activeAtTarget(): Promise<number> {
  return (await w.scim.listUsers()).filter((u) => u.active).length;
}

const original = () => ({
  url: w.slapd.url,
  bindDn: w.slapd.adminDn,
  bindPassword: w.slapd.adminPassword,
  groupDn: `cn=app-users,${w.slapd.groupsDn}`,
});

beforeEach(async () => {
  await w.reconfigure((c) => Object.assign(c.source, original()));
});

describe("directory failures deprovision no one", () => {
  it("wrong bind password: the cycle fails, says why, and the target is untouched", async () => {
    await w.reconfigure((c) => (c.source.bindPassword = "wrong"));
    const before = w.scim.requestCount();
    const r = await w.cycle();
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(/invalid credentials/);
    expect(r.message).toMatch(/nobody deprovisioned/);
    expect(await activeAtTarget()).toBe(12);
    expect(w.scim.requestCount() - before).toBeLessThanOrEqual(2);
    const db = await getDb();
    const ch = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
    expect(ch.lastCycleStatus).toBe("FAILED");
    expect(ch.lastCycleMessage).toMatch(/invalid credentials/);
  });

  it("unreachable directory: fails with the address, deprovisions no one", async () => {
    await w.reconfigure((c) => (c.source.url = "ldap://127.0.0.1:1"));
    const r = await w.cycle();
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(/ldap:\/\/127\.0\.0\.1:1/);
    expect(await activeAtTarget()).toBe(12);
  });

  it("a read truncated by a size limit is not mistaken for 'these are all the users'", async () => {
    await w.reconfigure((c) => {
      c.source.bindDn = w.slapd.readerDn;
      c.source.bindPassword = w.slapd.readerPassword;
    });
    const db = await getDb();
    await db.channel.update({ where: { id: w.channelId }, data: { groupTimestamp: null } });
    const r = await w.cycle();
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(/size limit exceeded/);
    expect(await activeAtTarget()).toBe(12);
    expect(await db.userRecord.count({ where: { channelId: w.channelId, sourceState: "IN_SCOPE" } })).toBe(12);
  });

  it("a provisioning group that vanished fails the cycle instead of emptying the scope", async () => {
    await w.reconfigure((c) => (c.source.groupDn = `cn=no-such-group,${w.slapd.groupsDn}`));
    const r = await w.cycle();
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(/does not exist/);
    expect(await activeAtTarget()).toBe(12);
  });

  it("an empty read where users were provisioned is held", async () => {
    await w.slapd.removeMembers(group, dns);
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.message).toMatch(/no users in scope where 12 were known; 12 deprovisioning\(s\) held for approval \(hold #\d+\), nothing deprovisioned/);
    expect(await activeAtTarget()).toBe(12);
    await w.slapd.addMembers(group, dns);
    const back = await w.cycle();
    expect(back.status).toBe("SUCCESS");
    // the directory changed back: the hold closed by itself
    const db = await getDb();
    const holds = await db.deprovisionHold.findMany({ where: { channelId: w.channelId } });
    expect(holds.map((h) => [h.status, h.outcome])).toEqual([["RESOLVED", expect.stringMatching(/changed back/)]]);
  });

  it("a read that would deprovision more than the channel's limit is held", async () => {
    await w.reconfigure((c) => {
      c.options.maxDeprovisionPercent = 40;
      c.options.deprovisionGuardMinimum = 2;
    });
    await w.cycle();
    await w.slapd.removeMembers(group, dns.slice(0, 7)); // 58%
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.message).toMatch(/7 of 12 provisioned users \(58%\).*limit of 40%/);
    expect(await activeAtTarget()).toBe(12);

    // below the limit it goes through
    await w.slapd.addMembers(group, dns.slice(0, 5));
    const r2 = await w.cycle();
    expect(r2.status).toBe("SUCCESS");
    expect(await activeAtTarget()).toBe(10);
    await w.slapd.addMembers(group, dns.slice(5, 7));
    await w.cycle();
    expect(await activeAtTarget()).toBe(12);
  });
});

describe("bad configuration is refused with a clear error", () => {
  it("rejects a malformed LDAP filter and a missing scope", async () => {
    await expect(w.reconfigure((c) => {
      delete c.source.groupDn;
      c.source.filter = "(uid=*";
    })).rejects.toThrow(/source\.filter: not an LDAP filter such as \(objectClass=person\): position 1 \("\(uid=\*"\): the "\(" at position 1 is never closed/);
    // two filters side by side were once saved and read as more AND terms: nobody in scope
    await expect(w.reconfigure((c) => {
      delete c.source.groupDn;
      c.source.filter = "(uid=user00001*)(cn=x)";
    })).rejects.toThrow(/source\.filter: .*position 17 \("\(cn=x\)"\): a second filter/);
    await expect(w.reconfigure((c) => {
      delete c.source.filter;
    })).rejects.toThrow(/exactly one of groupDn/);
  });

  it("a filter that matches nothing (here: an unknown matching rule, which OpenLDAP evaluates as undefined) deprovisions no one", async () => {
    await w.reconfigure((c) => {
      delete c.source.groupDn;
      c.source.filter = "(uid:1.2.3.4.5.6:=x)";
    });
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    expect(r.message).toMatch(/nothing deprovisioned/);
    expect(await activeAtTarget()).toBe(12);
    await w.reconfigure((c) => {
      delete c.source.filter;
      c.source.groupDn = original().groupDn;
    });
  });
});
