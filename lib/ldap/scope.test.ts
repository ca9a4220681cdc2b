import { describe, expect, it } from "vitest";
import { accountExpired, groupAttributes, isDisabled, toAccountExpires, ldapTimeToMs, leftScopeFilter, memberDnsOf, msToLdapTime, userScopeFilter } from "./scope.ts";
import type { TSource } from "../channel-config/stored.ts";
import type { TPlainSecret } from "../crypto/secret-types.ts";

const base: TSource = {
  groupChangeAttribute: "entryCSN",
  changeCapture: "auto",
  syncMode: "poll",
  directoryType: "openldap",
  url: "ldap://127.0.0.1:389",
  startTls: false,
  rejectUnauthorized: true,
  bindDn: "cn=admin,dc=example,dc=com",
  bindPassword: "x" as TPlainSecret,
  connectTimeoutMs: 1000,
  timeoutMs: 1000,
  baseDn: "dc=example,dc=com",
  groupDn: "cn=app users,ou=groups,dc=example,dc=com",
  userObjectFilter: "(objectClass=inetOrgPerson)",
  nestedGroups: false,
  groupNameAttribute: "cn",
  memberAttribute: "member",
  guidAttribute: "entryUUID",
  timestampAttribute: "modifyTimestamp",
  disabled: { kind: "none" },
  pageSize: 500,
};

describe("scope filters", () => {
  it("selects group members, nested for AD", () => {
    expect(userScopeFilter(base)).toBe("(&(objectClass=inetOrgPerson)(memberOf=cn=app users,ou=groups,dc=example,dc=com))");
    expect(userScopeFilter({ ...base, directoryType: "active-directory", nestedGroups: true })).toContain("memberOf:1.2.840.113556.1.4.1941:=");
    // OpenLDAP does not know IN_CHAIN: nested memberOf comes from slapo-dynlist
    expect(userScopeFilter({ ...base, nestedGroups: true })).toBe(userScopeFilter(base));
  });
  it("escapes the group DN", () => {
    expect(userScopeFilter({ ...base, groupDn: "cn=a(b),dc=x" })).toContain("cn=a\\28b\\29,dc=x");
  });
  it("finds changed users that left a filter scope", () => {
    const s = { ...base, groupDn: undefined, filter: "(departmentNumber=42)" };
    expect(leftScopeFilter(s, "20260101000000Z")).toBe(
      "(&(objectClass=inetOrgPerson)(!(departmentNumber=42))(modifyTimestamp>=20260101000000Z))",
    );
  });
});

describe("disabled rule", () => {
  const entry = (attrs: Record<string, string[]>) => ({ dn: "uid=x", attrs });
  it("reads AD userAccountControl bit 2", () => {
    const ad = { ...base, disabled: { kind: "ad-uac" as const } };
    expect(isDisabled(entry({ useraccountcontrol: ["514"] }), ad)).toBe(true);
    expect(isDisabled(entry({ useraccountcontrol: ["512"] }), ad)).toBe(false);
  });
  it("reads a configured attribute and value, case-insensitively", () => {
    const s = { ...base, disabled: { kind: "attribute" as const, attribute: "employeeType", value: "Disabled" } };
    expect(isDisabled(entry({ employeetype: ["disabled"] }), s)).toBe(true);
    expect(isDisabled(entry({ employeetype: ["staff"] }), s)).toBe(false);
  });
});

describe("generalized time", () => {
  it("parses OpenLDAP and AD forms alike", () => {
    expect(ldapTimeToMs("20261123034500Z")).toBe(Date.UTC(2026, 10, 23, 3, 45, 0));
    expect(ldapTimeToMs("20261123034500.0Z")).toBe(Date.UTC(2026, 10, 23, 3, 45, 0));
    expect(ldapTimeToMs("1")).toBe(0);
    expect(ldapTimeToMs(null)).toBe(0);
  });
  it("formats per directory type", () => {
    const ms = Date.UTC(2026, 10, 23, 3, 45, 7);
    expect(msToLdapTime(ms, base)).toBe("20261123034507Z");
    expect(msToLdapTime(ms, { ...base, directoryType: "active-directory" })).toBe("20261123034507.0Z");
  });
  it("normalises member DNs", () => {
    expect(memberDnsOf(["UID=A,DC=X", "uid=a,dc=x", "uid=b,dc=x#'0101'B"])).toEqual(["uid=a,dc=x", "uid=b,dc=x"]);
  });
});

describe("Active Directory: disabled", () => {
  const ad: TSource = { ...base, directoryType: "active-directory", disabled: { kind: "ad-uac" }, guidAttribute: "objectGUID" };
  const entry = (attrs: Record<string, string[]>) => ({ dn: "cn=a,dc=x", attrs });
  const now = Date.UTC(2026, 10, 29, 12, 0, 0);

  it("userAccountControl ACCOUNTDISABLE (0x2) is disabled", () => {
    expect(isDisabled(entry({ useraccountcontrol: ["514"] }), ad, now)).toBe(true);
    expect(isDisabled(entry({ useraccountcontrol: ["512"] }), ad, now)).toBe(false);
  });

  it("accountExpires in the past is disabled; 0 and 0x7FFFFFFFFFFFFFFF never expire", () => {
    expect(isDisabled(entry({ useraccountcontrol: ["512"], accountexpires: [toAccountExpires(now - 60_000)] }), ad, now)).toBe(true);
    expect(isDisabled(entry({ useraccountcontrol: ["512"], accountexpires: [toAccountExpires(now + 86_400_000)] }), ad, now)).toBe(false);
    expect(accountExpired("0", now)).toBe(false);
    expect(accountExpired("9223372036854775807", now)).toBe(false);
    expect(accountExpired(undefined, now)).toBe(false);
  });

  it("reads accountExpires as 100-ns intervals since 1601", () => {
    // the Unix epoch is 116444736000000000 in Windows FILETIME
    expect(toAccountExpires(0)).toBe("116444736000000000");
    expect(toAccountExpires(now)).toBe("134404272000000000");
    expect(accountExpired("134404272000000000", now)).toBe(true);
    // one millisecond later: not yet
    expect(accountExpired("134404272000010000", now)).toBe(false);
  });

  it("asks for group members in MaxValRange windows", () => {
    expect(groupAttributes(ad, true)).toContain("member;range=0-1499");
    expect(groupAttributes(base, true)).toContain("member");
  });
});
