import { FilterParser } from "ldapts";
import { describe, expect, it } from "vitest";
import { dnProblem, ldapFilterProblem } from "./ldap-syntax.ts";

const goodFilters = [
  "(uid=jdoe)",
  "(uid=*)",
  "(uid=)",
  "(uid=a*b*c)",
  "(cn=Smith\\2c John)",
  "(cn=a\\29b)",
  "(cn=é)",
  "(memberOf=cn=app-users,ou=groups,dc=example,dc=com)",
  "(uidNumber>=1000)",
  "(uidNumber<=2000)",
  "(sn~=smyth)",
  "(&(objectClass=inetOrgPerson)(uid=a*))",
  "(|(a=1)(b=2)(c=3))",
  "(!(employeeType=disabled))",
  "(&(objectCategory=person)(objectClass=user)(!(userAccountControl:1.2.840.113556.1.4.803:=2)))",
  "(memberOf:1.2.840.113556.1.4.1941:=cn=x,dc=y)",
  "(o:dn:=Ace Industry)",
  "(:dn:2.4.6.8.10:=Dino)",
  "(cn:caseExactMatch:=Fred)",
  "(msDS-PrincipalName=x)",
];

const badFilters = [
  "(uid=user00001*)(cn=x)",
  "(uid=user\\zz)",
  "(uid~~x)",
  "(uid=a))",
  "(&)",
  "(!(uid=a)(uid=b))",
  "(uid=a(b)",
  "( uid=a)",
  "(uid =a)",
  "(&(uid=a)x)",
  "(cn;lang-en=x)",
  "(1.2.3=x)",
  "()",
  "(uid=a)(",
  "uid=a",
  "(uid:=)x",
];

describe("ldapFilterProblem", () => {
  it.each(goodFilters)("accepts %s", (f) => expect(ldapFilterProblem(f)).toBeNull());
  it.each(badFilters)("refuses %s", (f) => expect(ldapFilterProblem(f)).toMatch(/^position \d+ /));

  it("refuses what ldapts's FilterParser accepts but is not a filter", () => {
    expect(() => FilterParser.parseString("(&(objectClass=person)(uid=a)")).not.toThrow();
    expect(ldapFilterProblem("(&(objectClass=person)(uid=a)")).toBe('position 1 ("(&(objectClass=person)(u…"): the "(" at position 1 is never closed');
    expect(ldapFilterProblem("(uid>=a*)")).toMatch(/position 8 .*only allowed with "="/);
  });

  it("never accepts a filter that ldapts, which encodes the search, would refuse", () => {
    for (const f of [...goodFilters, ...badFilters]) {
      let ldapts = true;
      try {
        FilterParser.parseString(f);
      } catch {
        ldapts = false;
      }
      if (ldapFilterProblem(f) === null) expect({ f, ldapts }).toEqual({ f, ldapts: true });
    }
  });

  it("says where the problem is and what is there", () => {
    expect(ldapFilterProblem("(uid=user00001*)(cn=x)")).toBe(
      'position 17 ("(cn=x)"): a second filter after the end of the first: join conditions with (&…) (all must match) or (|…) (any may match)',
    );
    expect(ldapFilterProblem("(uid~~x)")).toBe('position 5 ("~~x)"): expected "=", "~=", ">=", "<=" or ":=" after the attribute "uid"');
    expect(ldapFilterProblem("(&(a=1)")).toMatch(/^position 1 .*never closed/);
  });
});

describe("dnProblem", () => {
  it.each([
    "dc=example,dc=com",
    "ou=people,dc=example,dc=com",
    "ou=people, dc=example, dc=com",
    "CN=Smith\\, John,OU=Users,DC=corp,DC=example",
    "cn=a\\=b,dc=x",
    "cn=\\23hash,dc=x",
    "cn=a\\2cb,dc=x",
    "ou=groups+l=Paris,dc=x",
    "1.3.6.1.4.1.1466.0=#04024869,dc=x",
    "uid=jdoe ,dc=x",
  ])("accepts %s", (dn) => expect(dnProblem(dn)).toBeNull());

  it.each([
    ["ou=people,,dc=x=com", 'position 11 (",dc=x=com"): two commas with nothing between them'],
    ["ou=people,dc=x=com", 'position 15 ("=com"): an "=" inside the value of "dc": a "," is probably missing before it (write \\= if it belongs to the value)'],
    [",dc=x", 'position 1 (",dc=x"): the DN starts with a comma'],
    ["dc=x,", 'position 5 (","): the DN ends with a comma'],
    ["", "position 1 (at the end): the DN is empty"],
    ["dc", 'position 3 (at the end): expected "=" after "dc", as in dc=value'],
    ["ou=,dc=x", 'position 4 (",dc=x"): "ou" has no value'],
    ["cn=a<b,dc=x", 'position 5 ("<b,dc=x"): "<" must be escaped inside a value: write \\<'],
    ["cn=a\\zb,dc=x", 'position 5 ("\\zb,dc=x"): "\\z" is not an escape: a backslash is followed by one of " + , ; < > \\ # = space, or two hex digits'],
    ["cn=#abc,dc=x", 'position 5 ("abc,dc=x"): a value starting with "#" must be hex digits in pairs (write \\# for a literal #)'],
    ["-cn=a", 'position 1 ("-cn=a"): expected an attribute name such as ou, cn or dc'],
  ])("refuses %s", (dn, message) => expect(dnProblem(dn)).toBe(message));
});
