// Connection options against the real services: ldaps:// and StartTLS with a CA file,
// certificate checking, and a target without PATCH (updates and groups by PUT).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Directory } from "../../lib/ldap/directory.ts";
import { parseChannelFile } from "../../lib/channel-config/resolve.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;

beforeAll(async () => {
  w = await startWorld({ target: "scimmy", configure: (c) => (c.target.usePatch = "never") });
  const dn = await w.slapd.addUser({ uid: "tls", givenName: "Tee", sn: "Ls", mail: "tls@example.com" });
  // a second member, so that removing the first does not empty the scope (which is held)
  const other = await w.slapd.addUser({ uid: "stays", givenName: "Stay", sn: "Put", mail: "stays@example.com" });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn, other]);
});
afterAll(async () => {
  await w?.stop();
});

function source(over: Record<string, unknown>) {
  return parseChannelFile({ ...w.channelConfig, source: { ...w.channelConfig.source, ...over } }).source;
}

async function readsUsers(over: Record<string, unknown>): Promise<number> {
  const dir = await Directory.open(source(over));
  try {
    let n = 0;
    for await (const _ of dir.search(w.slapd.peopleDn, "(objectClass=inetOrgPerson)", ["uid"])) n++;
    return n;
  } finally {
    await dir.close();
  }
}

describe("directory connections", () => {
  it("reads over ldaps:// with the CA file", async () => {
    expect(await readsUsers({ url: w.slapd.ldapsUrl, caFile: w.slapd.caFile })).toBe(2);
  });

  it("reads over StartTLS with the CA file", async () => {
    expect(await readsUsers({ startTls: true, caFile: w.slapd.caFile })).toBe(2);
  });

  it("refuses a certificate it cannot verify, and says so", async () => {
    await expect(readsUsers({ url: w.slapd.ldapsUrl })).rejects.toThrow(/LDAP bind to ldaps:\/\/127\.0\.0\.1:\d+ .*certificate/);
  });

  it("reports a CA file that cannot be read", async () => {
    await expect(readsUsers({ url: w.slapd.ldapsUrl, caFile: "/nonexistent/ca.pem" })).rejects.toThrow(/caFile \/nonexistent\/ca\.pem cannot be read/);
  });

  it("runs a whole cycle over ldaps://", async () => {
    await w.reconfigure((c) => Object.assign(c.source, { url: w.slapd.ldapsUrl, caFile: w.slapd.caFile }));
    const r = await w.cycle();
    expect(r.status).toBe("SUCCESS");
    expect((await w.scim.listUsers()).map((u) => u.userName)).toContain("tls");
  });
});

describe("a target used without PATCH", () => {
  it("updates users, renames groups and sets members with PUT", async () => {
    const dn = `uid=tls,${w.slapd.peopleDn}`;
    await w.slapd.modify(dn, { givenName: "Teresa" });
    await w.slapd.addGroup("Ops", [dn]);
    await w.cycle();
    expect((await w.scim.listUsers()).find((u) => u.userName === "tls")?.name?.givenName).toBe("Teresa");
    const ops = (await w.scim.listGroups()).find((g) => g.displayName === "Ops");
    expect(ops?.members).toHaveLength(1);

    await w.slapd.rename(`cn=Ops,${w.slapd.groupsDn}`, "cn=Operations");
    await w.slapd.removeMembers(`cn=Operations,${w.slapd.groupsDn}`, [dn]);
    await w.cycle();
    const renamed = (await w.scim.listGroups()).find((g) => g.displayName === "Operations");
    expect(renamed?.id).toBe(ops?.id);
    expect(renamed?.members).toHaveLength(0);

    await w.slapd.removeMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
    await w.cycle();
    expect((await w.scim.listUsers()).find((u) => u.userName === "tls")?.active).toBe(false);
  });
});
