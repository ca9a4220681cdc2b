import { describe, expect, it } from "vitest";
import { ZChannelFile, ZSourceInput } from "./config.ts";

const base = {
  url: "ldap://127.0.0.1:389",
  bindDn: "cn=admin,dc=example,dc=com",
  bindPassword: "secret",
  baseDn: "ou=people,dc=example,dc=com",
  filter: "(objectClass=person)",
};

/** The messages zod gives for the source with `patch` applied, keyed by the field's path. */
function problems(patch: Record<string, unknown>): Record<string, string> {
  const r = ZSourceInput.safeParse({ ...base, ...patch });
  if (r.success) return {};
  return Object.fromEntries(r.error.issues.map((i) => [i.path.join("."), i.message]));
}

describe("channel source: LDAP filters and DNs are parsed when a channel is saved", () => {
  it("accepts well-formed filters and DNs", () => {
    expect(
      problems({
        filter: "(&(objectClass=person)(|(uid=a*)(cn=Smith\\2c John))(!(employeeType=disabled)))",
        userObjectFilter: "(&(objectCategory=person)(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=512))",
        groupFilter: "(objectClass=groupOfNames)",
        bindDn: "CN=Smith\\, John,OU=Admins, DC=example, DC=com",
        groupBaseDn: "ou=groups+l=Paris,dc=example,dc=com",
      }),
    ).toEqual({});
  });

  // the findings of the run: each passed validation, the first read 0 users
  const badFilters: Array<[string, RegExp]> = [
    ["(uid=user00001*)(cn=x)", /position 17 .*\(cn=x\).*second filter.*\(&/],
    ["(uid=user\\zz)", /position 10 .*\\zz.*two hex digits/],
    ["(uid~~x)", /position 5 .*~~x.*after the attribute "uid"/],
    ["(&(objectClass=person)(uid=a)", /position 1 .*never closed/],
    ["(cn=a(b)", /position 6 .*unescaped "\("/],
    ["(!(uid=a)(uid=b))", /position 10 .*exactly one filter/],
    ["()", /position 2 .*attribute/],
  ];
  for (const field of ["filter", "userObjectFilter", "groupFilter"]) {
    for (const [value, message] of badFilters) {
      it(`${field}: refuses ${value} and says where`, () => {
        expect(problems({ [field]: value })[field]).toMatch(message);
      });
    }
  }

  const badDns: Array<[string, RegExp]> = [
    ["ou=people,,dc=x=com", /position 11 .*two commas/],
    ["ou=people,dc=x=com", /position 15 .*"=" inside the value.*","/],
    ["ou=people,dc=example,", /position 21 .*ends with a comma/],
    ["people,dc=example", /position 7 .*"=" after "people"/],
    ["ou=,dc=example", /position 4 .*"ou" has no value/],
    ["ou=a;b,dc=example", /position 5 .*";" must be escaped/],
    ["ou=a\\qb,dc=example", /position 5 .*\\q/],
  ];
  for (const field of ["bindDn", "baseDn", "groupDn", "groupBaseDn"]) {
    for (const [value, message] of badDns) {
      it(`${field}: refuses ${value} and says where`, () => {
        // groupDn and filter are exclusive: drop the filter when testing groupDn
        const patch = field === "groupDn" ? { groupDn: value, filter: undefined } : { [field]: value };
        expect(problems(patch)[field]).toMatch(message);
      });
    }
  }
});

describe("channel source: Active Directory bind names", () => {
  for (const name of ["svc-ferry@corp.example.com", "CORP\\svc-ferry", "CORP\\John Smith", "CN=svc ferry,OU=Service Accounts,DC=corp,DC=example,DC=com"]) {
    it(`accepts ${name}`, () => {
      expect(problems({ bindDn: name })).toEqual({});
    });
  }
  for (const name of ["svc ferry@corp example.com", "CORP\\", "@corp.example.com", "a@b@c"]) {
    it(`refuses ${name}`, () => {
      expect(problems({ bindDn: name }).bindDn).toMatch(/user@domain or DOMAIN\\user/);
    });
  }
});

describe("mapping forms of issue 16", () => {
  const base = {
    name: "x",
    connectionId: "x",
    source: { url: "ldap://dir", bindDn: "cn=a,dc=x", bindPassword: "p", baseDn: "dc=x", groupDn: "cn=g,dc=x" },
    target: { url: "https://t/scim/v2", auth: { type: "bearer", token: "t" } },
  };
  it("takes expressions and references, and refuses a broken expression with its line and column", () => {
    expect(ZChannelFile.safeParse({ ...base, mapping: { userName: { expression: 'lower(attr("uid"))' }, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager": { reference: "manager" } } }).success).toBe(true);
    const bad = ZChannelFile.safeParse({ ...base, mapping: { userName: { expression: 'lower(attr("uid")' } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/expression error at line 1, column \d+/);
  });
  it("refuses a reference under .value and in the group mapping", () => {
    expect(ZChannelFile.safeParse({ ...base, mapping: { userName: "uid", "urn:x:User:manager.value": { reference: "manager" } } }).success).toBe(false);
    expect(ZChannelFile.safeParse({ ...base, groupMapping: { displayName: "cn", externalId: { reference: "manager" } } }).success).toBe(false);
    expect(ZChannelFile.safeParse({ ...base, groupMapping: { displayName: { expression: 'upper(attr("cn"))' }, externalId: "entryUUID" } }).success).toBe(true);
  });
});
