// The content sync client (lib/ldap/sync-search.ts) and the syncrepl feed's start against
// real slapd: ldap://, StartTLS and ldaps:// with the directory's CA, a wrong password, a
// closed port, and a directory without slapo-syncprov (auto falls back to timestamps; the
// feed named explicitly refuses).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TSource } from "../../lib/channel-config/stored.ts";
import type { TPlainSecret } from "../../lib/crypto/secret-types.ts";
import { AppError } from "../../lib/errors.ts";
import { Directory } from "../../lib/ldap/directory.ts";
import { decodeCookie, syncreplFeed } from "../../lib/ldap/feeds/syncrepl.ts";
import { SyncConnection } from "../../lib/ldap/sync-search.ts";
import { userAttributes, userScopeFilter } from "../../lib/ldap/scope.ts";
import { startSlapd, type Slapd } from "../../devkit/slapd.ts";
import { freePort } from "../../devkit/ports.ts";

let withSync: Slapd;
let without: Slapd;

beforeAll(async () => {
  [withSync, without] = await Promise.all([startSlapd(), startSlapd({ syncprov: false })]);
  await withSync.addUser({ uid: "ann", givenName: "Ann", sn: "A" });
});
afterAll(async () => {
  await Promise.all([withSync?.stop(), without?.stop()]);
});

function sourceOf(slapd: Slapd, over: Partial<TSource> = {}): TSource {
  return {
    directoryType: "openldap",
    changeCapture: "auto",
    syncMode: "poll",
    url: slapd.url,
    startTls: false,
    rejectUnauthorized: true,
    bindDn: slapd.readerDn,
    bindPassword: slapd.readerPassword as TPlainSecret,
    connectTimeoutMs: 3000,
    timeoutMs: 10000,
    baseDn: slapd.peopleDn,
    filter: "(objectClass=inetOrgPerson)",
    userObjectFilter: "(objectClass=inetOrgPerson)",
    nestedGroups: false,
    groupNameAttribute: "cn",
    memberAttribute: "member",
    guidAttribute: "entryUUID",
    timestampAttribute: "modifyTimestamp",
    groupChangeAttribute: "entryCSN",
    disabled: { kind: "none" },
    pageSize: 500,
    ...over,
  };
}

async function start(source: TSource): Promise<string> {
  const dir = await Directory.open(source);
  try {
    return await syncreplFeed.start({ dir, source, filter: userScopeFilter(source), attributes: userAttributes(source), since: null });
  } finally {
    await dir.close();
  }
}

async function entriesOf(source: TSource): Promise<string[]> {
  const conn = await SyncConnection.open(source);
  const dns: string[] = [];
  try {
    for await (const ev of conn.search({ base: source.baseDn, filter: source.userObjectFilter, attributes: ["uid"], request: { mode: "refreshOnly" } })) {
      if (ev.type === "entry") {
        expect(ev.state?.state).toBe("add");
        dns.push(ev.entry.attrs.uid?.[0] ?? "");
      }
      if (ev.type === "done") expect(ev.done?.cookie?.toString()).toMatch(/csn=/);
    }
  } finally {
    await conn.close();
  }
  return dns;
}

describe("the content sync client", () => {
  it("runs a sync search over ldap://, StartTLS and ldaps:// (certificates checked against the directory's CA)", async () => {
    expect(await entriesOf(sourceOf(withSync))).toEqual(["ann"]);
    expect(await entriesOf(sourceOf(withSync, { url: withSync.url.replace("127.0.0.1", "localhost"), startTls: true, caFile: withSync.caFile }))).toEqual(["ann"]);
    expect(await entriesOf(sourceOf(withSync, { url: withSync.ldapsUrl, caFile: withSync.caFile }))).toEqual(["ann"]);
  });

  it("refuses a certificate it cannot verify", async () => {
    await expect(entriesOf(sourceOf(withSync, { url: withSync.ldapsUrl }))).rejects.toThrow(AppError);
  });

  it("says what went wrong: a wrong password, a closed port", async () => {
    await expect(SyncConnection.open(sourceOf(withSync, { bindPassword: "wrong" as TPlainSecret }))).rejects.toThrow(/invalid credentials/);
    const port = await freePort();
    await expect(SyncConnection.open(sourceOf(withSync, { url: `ldap://127.0.0.1:${port}` }))).rejects.toThrow(/connection refused/);
  });
});

describe("a directory without slapo-syncprov", () => {
  it("under auto, the feed falls back to timestamps", async () => {
    const cookie = await start(sourceOf(without));
    expect(decodeCookie(cookie)).toEqual({ fallback: "timestamp" });
  });

  it("named explicitly, the feed refuses to start and says why", async () => {
    await expect(start(sourceOf(without, { changeCapture: "syncrepl" }))).rejects.toThrow(/does not offer content synchronisation|no content sync cookie/);
  });

  it("with syncprov, start gives a cookie naming the directory's CSN", async () => {
    const c = decodeCookie(await start(sourceOf(withSync)));
    expect("users" in c && c.users.toString()).toMatch(/^rid=\d+,csn=\d{14}\.\d{6}Z#/);
  });
});
