// Issue 16 against a real Samba AD DC and SCIMMY: externalId from objectGUID, the
// enterprise extension's manager from AD's `manager` DN (provisioned in the same cycle as
// its report), every SMTP address of proxyAddresses as typed emails, and AD's own value
// formats through expressions (FILETIME accountExpires, generalized-time whenCreated).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAdWorld, type TAdWorld } from "../helpers/ad-world.ts";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CUSTOM_EXPIRES = "title"; // SCIMMY's core schema has no date attribute to spare: the title carries the formatted date

let w: TAdWorld;

beforeAll(async () => {
  w = await startAdWorld({
    feeds: ["usn"],
    configure: (cfg) => {
      cfg.mapping = {
        userName: { expression: 'lower(attr("sAMAccountName"))' },
        "name.givenName": "givenName",
        "name.familyName": "sn",
        displayName: { expression: 'coalesce(attr("displayName"), join([attr("givenName"), attr("sn")], " "))' },
        "emails.work": { expression: 'attrs("proxyAddresses").filter(p, lower(p).startsWith("smtp:")).map(p, lower(substring(p, 5, 320)))' },
        [CUSTOM_EXPIRES]: { expression: 'present("accountExpires") && fileTime(attr("accountExpires")) != "" ? "until " + formatDate(fileTime(attr("accountExpires")), "yyyy-MM-dd") : "no end"' },
        userType: { expression: 'formatDate(generalizedTime(attr("whenCreated")), "yyyy") != "" ? "Employee" : "Unknown"' },
        [`${ENT}:department`]: "department",
        [`${ENT}:manager`]: { reference: "manager" },
      };
    },
  });
}, 300_000);
afterAll(async () => {
  await w?.stop();
});

describe("Active Directory mapping", () => {
  it("sends externalId (objectGUID), the manager's SCIM id, every SMTP address and AD dates through expressions", async () => {
    const c = w.channels[0]!;
    // 2099-01-01 as a FILETIME: 100-ns intervals since 1601
    const expires = String((BigInt(Date.UTC(2099, 0, 1)) + 11_644_473_600_000n) * 10_000n);
    const bossDn = await w.addUser("adboss", { memberOf: [w.appGroupDn], extra: { department: "Sales" } });
    const repDn = await w.addUser("adrep", {
      memberOf: [w.appGroupDn],
      extra: { manager: bossDn, accountExpires: expires, proxyAddresses: ["SMTP:adrep@ferry.test", "smtp:rep.alias@ferry.test", "X500:/o=Ferry/cn=adrep"] },
    });
    expect((await c.cycle()).status).toBe("SUCCESS");
    await c.cycle(); // the report, created beside its manager, gets the manager's id
    const users = await c.scim.listUsers();
    const boss = users.find((u) => u.userName === "adboss")!;
    const rep = users.find((u) => u.userName === "adrep")!;
    expect(boss.raw.externalId).toBe(await w.ad.guidOf(bossDn));
    expect(rep.raw.externalId).toBe(await w.ad.guidOf(repDn));
    expect(boss.raw[ENT]?.department).toBe("Sales");
    expect(rep.raw[ENT]?.manager?.value).toBe(boss.id);
    expect(rep.raw.emails.map((e: { value: string }) => e.value)).toEqual(["adrep@ferry.test", "rep.alias@ferry.test"]);
    expect(rep.raw.title).toBe("until 2099-01-01");
    expect(boss.raw.title).toBe("no end"); // accountExpires 0 or never: no date
    expect(rep.raw.userType).toBe("Employee");
  });
});
