// Active Directory as admins configure it, against a real one (Samba AD DC): service
// accounts that bind as user@domain or DOMAIN\user, ldaps:// to a DC's address with the
// certificate checked against the DC's name, DirSync refused to an account without
// "Replicating Directory Changes" (the feed then follows uSNChanged), and a group too
// large to come back in one piece (member;range=…).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ZSourceEdit } from "../../lib/channel-config/config.ts";
import { testSourceConnection } from "../../lib/channels/test-source-connection.ts";
import { getDb } from "../../lib/db/index.ts";
import { AD_BULK_GROUP, AD_BULK_MEMBERS, AD_BULK_OU, AD_SERVICE_ACCOUNTS, AD_SERVICE_PASSWORD } from "../../devkit/samba-ad.ts";
import { startAdWorld, type TAdChannel, type TAdWorld } from "../helpers/ad-world.ts";

let w: TAdWorld;
const dn: Record<string, string> = {};

beforeAll(async () => {
  w = await startAdWorld({ feeds: [] });
  for (const sam of ["amy", "ben", "cat"]) dn[sam] = await w.addUser(sam, { memberOf: [w.appGroupDn] });
}, 120_000);
afterAll(async () => {
  await w?.stop();
});

const activeNames = async (c: TAdChannel) => (await c.scim.listUsers()).filter((u) => u.active).map((u) => u.userName).sort();

describe("Active Directory: how admins bind", () => {
  let upn: TAdChannel;

  it("binds as user@domain (UPN) over ldaps:// to the DC's address, the certificate checked against tlsServername", async () => {
    upn = await w.addChannel("dirsync", (cfg) => {
      cfg.source.url = w.ad.ldapsUrl;
      cfg.source.caFile = w.ad.caFile;
      cfg.source.tlsServername = w.ad.serverName;
      cfg.source.bindDn = `${AD_SERVICE_ACCOUNTS.withDeletedObjects}@${w.ad.realm}`;
      cfg.source.bindPassword = AD_SERVICE_PASSWORD;
    });
    const r = await upn.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(await activeNames(upn)).toEqual(["amy", "ben", "cat"]);
  });

  it("without tlsServername the same ldaps:// URL is refused: the certificate names the DC, not its address", async () => {
    const noName = await w.addChannel("dirsync", (cfg) => {
      cfg.source.url = w.ad.ldapsUrl;
      cfg.source.caFile = w.ad.caFile;
      cfg.source.bindDn = `${AD_SERVICE_ACCOUNTS.withDeletedObjects}@${w.ad.realm}`;
      cfg.source.bindPassword = AD_SERVICE_PASSWORD;
    });
    const r = await noName.cycle().catch((err: Error) => ({ status: "FAILED", message: err.message }));
    expect(r.status).toBe("FAILED");
    expect(r.message).toMatch(new RegExp(`${w.ad.ip.replace(/\./g, "\\.")}.*(altnames|DC1\\.ferry\\.test)|(altnames|DC1\\.ferry\\.test).*${w.ad.ip.replace(/\./g, "\\.")}`, "i"));
    expect(await activeNames(noName)).toEqual([]);
  });

  it("binds as DOMAIN\\user (down-level logon name)", async () => {
    const downLevel = await w.addChannel("usn", (cfg) => {
      cfg.source.bindDn = `${w.ad.domain}\\${AD_SERVICE_ACCOUNTS.plain}`;
      cfg.source.bindPassword = AD_SERVICE_PASSWORD;
    });
    const r = await downLevel.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(await activeNames(downLevel)).toEqual(["amy", "ben", "cat"]);
  });

  it("DirSync refused to an account without Replicating Directory Changes: the feed follows uSNChanged, and a deleted member is deprovisioned in the next cycle", async () => {
    const db = await getDb();
    const row = await db.channel.findUniqueOrThrow({ where: { id: upn.id } });
    expect(row.changeFeed).toBe("dirsync");
    // the DC answered DirSync with insufficientAccessRights: the cookie is a USN
    expect(row.changeCookie).toMatch(/^usn:\d+$/);

    await w.ad.remove(dn.cat!);
    const r = await upn.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(r.stats.mode, r.stats.reasons.join("; ")).toBe("incremental");
    // svc-ferry may read CN=Deleted Objects: the tombstone says "deleted"
    expect(r.stats.usersDeleted).toBe(1);
    expect(await activeNames(upn)).toEqual(["amy", "ben"]);
  });
});

describe("Active Directory: Test connection says what change capture the account gets", () => {
  async function warningsFor(bindDn: string, password: string) {
    const value = ZSourceEdit.parse({
      directoryType: "active-directory",
      url: w.ad.url,
      bindDn,
      bindPassword: password,
      baseDn: w.peopleDn,
      groupDn: w.appGroupDn,
    });
    const r = await testSourceConnection({ actor: "test", via: "test", source: { ok: true, value } });
    if (!r.ok) throw new Error(r.error);
    expect(r.usersInScope).toBeGreaterThan(0);
    return r.warnings.join("\n");
  }

  it("an admin: DirSync, nothing to say", async () => {
    expect(await warningsFor(w.ad.adminUpn, w.ad.adminPassword)).toBe("");
  });

  it("an account that may read CN=Deleted Objects: uSNChanged instead of DirSync", async () => {
    const text = await warningsFor(`${AD_SERVICE_ACCOUNTS.withDeletedObjects}@${w.ad.realm}`, AD_SERVICE_PASSWORD);
    expect(text).toMatch(/DirSync is refused.*Replicating Directory Changes/);
    expect(text).not.toMatch(/Deleted Objects/);
  });

  it("an ordinary account: and deletions wait for the full reconciliation", async () => {
    const text = await warningsFor(`${w.ad.domain}\\${AD_SERVICE_ACCOUNTS.plain}`, AD_SERVICE_PASSWORD);
    expect(text).toMatch(/DirSync is refused/);
    expect(text).toMatch(/cannot read CN=Deleted Objects.*full reconciliation/);
  });
});

describe("Active Directory: ranged retrieval of group members", () => {
  it("Samba answers the windows it is asked for (and ignores MaxValRange otherwise)", async () => {
    const c = await w.ad.admin();
    const plain = (await c.search(AD_BULK_GROUP, { scope: "base", attributes: ["member"] })).searchEntries[0]!;
    expect(plain.member).toHaveLength(AD_BULK_MEMBERS);
    const first = (await c.search(AD_BULK_GROUP, { scope: "base", attributes: ["member;range=0-1499"] })).searchEntries[0]!;
    expect(first["member;range=0-1499"]).toHaveLength(1500);
  });

  it(`reads all ${AD_BULK_MEMBERS} members of a group, window by window`, async () => {
    const big = await w.addChannel("dirsync", (cfg) => {
      cfg.source.groupBaseDn = AD_BULK_OU;
      cfg.source.groupFilter = "(&(objectClass=group)(cn=team-big))";
    });
    const r = await big.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    const db = await getDb();
    const group = await db.groupRecord.findFirstOrThrow({ where: { channelId: big.id, providerName: "team-big" } });
    expect(group.memberDns).toHaveLength(AD_BULK_MEMBERS);
    expect(new Set(group.memberDns).size).toBe(AD_BULK_MEMBERS);
    expect(group.memberDns).toContain(`cn=bulk${String(AD_BULK_MEMBERS - 1).padStart(4, "0")},${AD_BULK_OU}`.toLowerCase());
    // the store keeps a count, not 1,500 DNs under a ranged key
    expect(Object.keys(group.ldapAttributes as object).some((k) => k.includes(";range="))).toBe(false);
  });
});
