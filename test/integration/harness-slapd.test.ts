import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Client, InvalidCredentialsError, ResultCodeError, SizeLimitExceededError, type Entry } from "ldapts";
import { directoryNames, generateDirectoryLdif, startSlapd, type Slapd } from "../../devkit/slapd.ts";

const values = (v: unknown): string[] =>
  v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => (Buffer.isBuffer(x) ? x.toString("utf8") : String(x)));

async function bound(url: string, dn: string, password: string, tls?: { ca: Buffer[] }): Promise<Client> {
  const c = new Client({ url, ...(tls ? { tlsOptions: tls } : {}) });
  await c.bind(dn, password);
  return c;
}

describe("slapd harness: binds, TLS and directory edits", () => {
  let s: Slapd;
  let ca: Buffer;
  const clients: Client[] = [];
  const track = (c: Client): Client => (clients.push(c), c);

  beforeAll(async () => {
    s = await startSlapd();
    ca = readFileSync(s.caFile);
  });
  afterAll(async () => {
    for (const c of clients) await c.unbind().catch(() => undefined);
    await s?.stop();
  });

  it("binds as admin and as reader on ldap://; bad credentials raise InvalidCredentialsError", async () => {
    const admin = track(await bound(s.url, s.adminDn, s.adminPassword));
    const reader = track(await bound(s.url, s.readerDn, s.readerPassword));
    const { searchEntries } = await reader.search(s.baseDn, { scope: "one", attributes: ["ou"] });
    expect(searchEntries.map((e) => e.dn).sort()).toEqual([s.groupsDn, s.peopleDn, `ou=system,${s.baseDn}`].sort());
    expect(values((await admin.search(s.readerDn, { scope: "base" })).searchEntries[0]?.cn)).toEqual(["reader"]);

    const bad = new Client({ url: s.url });
    const err = await bad.bind(s.readerDn, "wrong").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidCredentialsError);
    expect((err as ResultCodeError).code).toBe(49);
    await bad.unbind();
  });

  it("anonymous clients cannot read the tree", async () => {
    const anon = track(new Client({ url: s.url }));
    // The ACLs hide even the suffix entry: slapd answers noSuchObject (32), not an empty result.
    const err = await anon.search(s.baseDn, { scope: "sub" }).catch((e: unknown) => e);
    expect((err as ResultCodeError).code).toBe(32);
    const rootDse = await anon.search("", { scope: "base", attributes: ["namingContexts", "supportedControl"] });
    expect(values(rootDse.searchEntries[0]?.namingContexts)).toEqual([s.baseDn]);
  });

  it("StartTLS on ldap:// verifies against caFile", async () => {
    const c = track(new Client({ url: s.url }));
    await c.startTLS({ ca: [ca] });
    await c.bind(s.readerDn, s.readerPassword);
    expect(values((await c.search(s.peopleDn, { scope: "base" })).searchEntries[0]?.ou)).toEqual(["people"]);

    // Without the CA the self-signed chain must be rejected: proves verification is on.
    const untrusted = new Client({ url: s.url });
    await expect(untrusted.startTLS({})).rejects.toThrow(/self[- ]signed/i);
    await untrusted.unbind().catch(() => undefined);
  });

  it("ldaps:// verifies against caFile, for 127.0.0.1 and localhost", async () => {
    const c = track(await bound(s.ldapsUrl, s.readerDn, s.readerPassword, { ca: [ca] }));
    expect((await c.search(s.baseDn, { scope: "base" })).searchEntries).toHaveLength(1);
    track(await bound(s.ldapsUrl.replace("127.0.0.1", "localhost"), s.readerDn, s.readerPassword, { ca: [ca] }));

    const untrusted = new Client({ url: s.ldapsUrl, connectTimeout: 5000 });
    await expect(untrusted.bind(s.readerDn, s.readerPassword)).rejects.toThrow(/self[- ]signed/i);
    await untrusted.unbind().catch(() => undefined);
  });

  it("maintains memberOf, refint, renames and entryUUID", async () => {
    const reader = track(await bound(s.url, s.readerDn, s.readerPassword));
    const read = async (dn: string, attrs: string[]) =>
      (await reader.search(dn, { scope: "base", attributes: attrs })).searchEntries[0] ?? ({ dn } as Entry);

    const alice = await s.addUser({ uid: "alice", givenName: "Alice", sn: "Liddell", mail: "alice@example.com", employeeType: "employee" });
    const bob = await s.addUser({ uid: "bob", givenName: "Bob", sn: "Builder", extra: { telephoneNumber: ["+1 555 0100", "+1 555 0101"] } });
    expect(alice).toBe(`uid=alice,${s.peopleDn}`);
    const eng = await s.addGroup("engineering", [alice, bob]);
    expect(eng).toBe(`cn=engineering,${s.groupsDn}`);

    const a = await read(alice, ["cn", "mail", "memberOf", "entryUUID"]);
    expect(values(a.cn)).toEqual(["Alice Liddell"]);
    expect(values(a.memberOf)).toEqual([eng]);
    expect(values((await read(bob, ["telephoneNumber"])).telephoneNumber)).toHaveLength(2);
    const byMemberOf = await reader.search(s.peopleDn, { filter: `(memberOf=${eng})`, attributes: ["uid"] });
    expect(byMemberOf.searchEntries.map((e) => values(e.uid)[0]).sort()).toEqual(["alice", "bob"]);

    const uuid = await s.entryUUID(alice);
    expect(uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(values(a.entryUUID)).toEqual([uuid]);

    // Group rename: memberOf on members follows (slapo-memberof), entryUUID does not change.
    const groupUuid = await s.entryUUID(eng);
    const platform = await s.rename(eng, "cn=platform");
    expect(platform).toBe(`cn=platform,${s.groupsDn}`);
    expect(await s.entryUUID(platform)).toBe(groupUuid);
    expect(values((await read(alice, ["memberOf"])).memberOf)).toEqual([platform]);

    // User rename: group member values are rewritten by slapo-refint.
    const bob2 = await s.rename(bob, "uid=robert");
    expect(values((await read(platform, ["member"])).member).sort()).toEqual([alice, bob2].sort());
    expect(values((await read(bob2, ["memberOf"])).memberOf)).toEqual([platform]);

    // Delete: refint removes the user from the group (remove() waits for it).
    await s.remove(bob2);
    expect(values((await read(platform, ["member"])).member)).toEqual([alice]);

    // Deleting the last member leaves the placeholder rather than an invalid groupOfNames.
    await s.remove(alice);
    expect(values((await read(platform, ["member"])).member)).toEqual([s.emptyMemberDn]);
  });

  it("represents empty groups with the placeholder member", async () => {
    const reader = track(await bound(s.url, s.readerDn, s.readerPassword));
    const members = async (dn: string) =>
      values((await reader.search(dn, { scope: "base", attributes: ["member"] })).searchEntries[0]?.member);
    const carol = await s.addUser({ uid: "carol", givenName: "Carol", sn: "Shaw" });
    const empty = await s.addGroup("empty", []);
    expect(await members(empty)).toEqual([s.emptyMemberDn]);
    await s.addMembers(empty, [carol]);
    expect(await members(empty)).toEqual([carol]);
    await s.removeMembers(empty, [carol]);
    expect(await members(empty)).toEqual([s.emptyMemberDn]);
    const c = (await reader.search(carol, { scope: "base", attributes: ["memberOf"] })).searchEntries[0];
    expect(values(c?.memberOf)).toEqual([]);
  });

  it("modify replaces/deletes attributes and bumps modifyTimestamp and entryCSN", async () => {
    const dave = await s.addUser({ uid: "dave", givenName: "Dave", sn: "Null", mail: "dave@example.com", employeeType: "contractor" });
    const admin = track(await bound(s.url, s.adminDn, s.adminPassword));
    const read = async () =>
      (await admin.search(dave, { scope: "base", attributes: ["mail", "employeeType", "modifyTimestamp", "entryCSN", "title"] })).searchEntries[0] ?? ({ dn: dave } as Entry);
    const before = await read();
    // modifyTimestamp has one-second resolution; step into the next second first.
    await new Promise((r) => setTimeout(r, 1000 - (Date.now() % 1000) + 20));
    await s.modify(dave, { mail: ["dave@example.org", "d@example.org"], employeeType: null, title: null });
    const after = await read();
    expect(values(after.mail).sort()).toEqual(["d@example.org", "dave@example.org"]);
    // ldapts reports requested-but-absent attributes as [] rather than leaving them out.
    expect(values(after.employeeType)).toEqual([]);
    expect(values(after.modifyTimestamp)[0]).toMatch(/^\d{14}Z$/);
    expect(values(after.modifyTimestamp)[0]! > values(before.modifyTimestamp)[0]!).toBe(true);
    expect(values(after.entryCSN)[0]).not.toBe(values(before.entryCSN)[0]);
  });
});

describe("slapd harness: reader size limit", () => {
  let s: Slapd;
  let unlimitedPaging: Slapd;
  beforeAll(async () => {
    [s, unlimitedPaging] = await Promise.all([
      startSlapd({ readerSizeLimit: 2 }),
      startSlapd({ readerSizeLimit: 2, readerPagedTotal: "unlimited" }),
    ]);
    for (const d of [s, unlimitedPaging])
      for (const uid of ["u1", "u2", "u3"]) await d.addUser({ uid, givenName: uid, sn: "Limit" });
  });
  afterAll(async () => {
    await Promise.all([s?.stop(), unlimitedPaging?.stop()]);
  });

  it("raises SizeLimitExceededError (code 4) for the reader, not for the admin", async () => {
    const reader = await bound(s.url, s.readerDn, s.readerPassword);
    const err = await reader.search(s.peopleDn, { scope: "one" }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SizeLimitExceededError);
    expect(err).toBeInstanceOf(ResultCodeError);
    expect((err as ResultCodeError).code).toBe(4);

    // By OpenLDAP's default the paged total is capped by the same hard limit.
    await expect(reader.search(s.peopleDn, { scope: "one", paged: { pageSize: 1 } })).rejects.toBeInstanceOf(SizeLimitExceededError);
    // ldapts swallows the error when the client itself asked for a sizeLimit: results are silently partial.
    const partial = await reader.search(s.peopleDn, { scope: "one", sizeLimit: 3 });
    expect(partial.searchEntries).toHaveLength(2);
    await reader.unbind();

    const admin = await bound(s.url, s.adminDn, s.adminPassword);
    expect((await admin.search(s.peopleDn, { scope: "one" })).searchEntries).toHaveLength(3);
    await admin.unbind();
  });

  it("readerPagedTotal: 'unlimited' lets paged searches past the limit (AD MaxPageSize style)", async () => {
    const reader = await bound(unlimitedPaging.url, unlimitedPaging.readerDn, unlimitedPaging.readerPassword);
    await expect(reader.search(unlimitedPaging.peopleDn, { scope: "one" })).rejects.toBeInstanceOf(SizeLimitExceededError);
    const paged = await reader.search(unlimitedPaging.peopleDn, { scope: "one", paged: { pageSize: 2 } });
    expect(paged.searchEntries).toHaveLength(3);
    await reader.unbind();
  });
});

describe("slapd harness: slapadd-loaded directory", () => {
  const opts = { users: 2000, groups: 20, membersPerGroup: 50 };
  const names = directoryNames(opts);
  let s: Slapd;
  beforeAll(async () => {
    s = await startSlapd({ ldif: generateDirectoryLdif(opts) });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it("returns every user through a paged search, with memberOf written at load time", async () => {
    const reader = await bound(s.url, s.readerDn, s.readerPassword);
    const users = await reader.search(s.peopleDn, {
      scope: "one",
      filter: "(objectClass=inetOrgPerson)",
      paged: { pageSize: 500 },
      attributes: ["uid", "givenName", "sn", "cn", "mail", "employeeType", "memberOf", "entryUUID"],
    });
    expect(users.searchEntries).toHaveLength(2000);
    expect(new Set(users.searchEntries.map((e) => values(e.entryUUID)[0])).size).toBe(2000);

    const first = users.searchEntries.find((e) => e.dn === names.userDn(0));
    expect(values(first?.uid)).toEqual(["user000001"]);
    expect(values(first?.mail)).toEqual(["user000001@example.com"]);
    expect(values(first?.memberOf).sort()).toEqual([names.groupDn(0), names.provisionedGroupDn].sort());
    // 20 groups x 50 members cover users 1..1000; the rest are only in cn=provisioned.
    expect(values(users.searchEntries.find((e) => e.dn === names.userDn(1500))?.memberOf)).toEqual([names.provisionedGroupDn]);

    const groups = await reader.search(s.groupsDn, { scope: "one", paged: { pageSize: 500 }, attributes: ["cn", "member"] });
    expect(groups.searchEntries).toHaveLength(21);
    const provisioned = groups.searchEntries.find((e) => e.dn === names.provisionedGroupDn);
    expect(values(provisioned?.member)).toHaveLength(2000);
    const g1 = groups.searchEntries.find((e) => e.dn === names.groupDn(0));
    expect(values(g1?.member)).toHaveLength(50);

    const inGroup = await reader.search(s.peopleDn, { filter: `(memberOf=${names.groupDn(19)})`, paged: { pageSize: 500 }, attributes: ["1.1"] });
    expect(inGroup.searchEntries).toHaveLength(50);
    await reader.unbind();
  });

  it("keeps memberOf live for online changes after the bulk load", async () => {
    const dn = await s.addUser({ uid: "late", givenName: "Late", sn: "Comer" });
    await s.addMembers(names.groupDn(3), [dn]);
    const admin = await bound(s.url, s.adminDn, s.adminPassword);
    const e = (await admin.search(dn, { scope: "base", attributes: ["memberOf"] })).searchEntries[0];
    expect(values(e?.memberOf)).toEqual([names.groupDn(3)]);
    // Removing a bulk-loaded member updates the memberOf value slapadd wrote.
    await s.removeMembers(names.groupDn(0), [names.userDn(0)]);
    const u = (await admin.search(names.userDn(0), { scope: "base", attributes: ["memberOf"] })).searchEntries[0];
    expect(values(u?.memberOf)).toEqual([names.provisionedGroupDn]);
    await admin.unbind();
  });
});
