import { describe, expect, it } from "vitest";
import { isUnderBase, looksLikeDn, looksLikeGuid, providerNameAttribute, resolveQuery } from "./find-directory-user.ts";

describe("naming one directory user", () => {
  it("tells a DN, a GUID and a name apart", () => {
    expect(resolveQuery({ auto: "uid=jdoe,ou=people,dc=example,dc=com" })).toEqual({ dn: "uid=jdoe,ou=people,dc=example,dc=com" });
    expect(resolveQuery({ auto: "CN=Doe\\, John,OU=Staff,DC=corp,DC=example" })).toEqual({ dn: "CN=Doe\\, John,OU=Staff,DC=corp,DC=example" });
    expect(resolveQuery({ auto: " 4e3b1c2a-0000-4000-8000-000000000001 " })).toEqual({ guid: "4e3b1c2a-0000-4000-8000-000000000001" });
    expect(resolveQuery({ auto: "{4E3B1C2A-0000-4000-8000-000000000001}" })).toEqual({ guid: "{4E3B1C2A-0000-4000-8000-000000000001}" });
    expect(resolveQuery({ auto: "2a1c3b4e00000040800000000000000a" })).toEqual({ guid: "2a1c3b4e00000040800000000000000a" });
    expect(resolveQuery({ auto: "jdoe" })).toEqual({ name: "jdoe" });
    // a user name with an equals sign but no attribute before it, and an e-mail, are names
    expect(resolveQuery({ auto: "=jdoe" })).toEqual({ name: "=jdoe" });
    expect(resolveQuery({ auto: "j.doe@example.com" })).toEqual({ name: "j.doe@example.com" });
    // what the caller says wins over the form
    expect(resolveQuery({ name: "uid=x,dc=y" })).toEqual({ name: "uid=x,dc=y" });
    expect(looksLikeDn("jdoe")).toBe(false);
    expect(looksLikeGuid("deadbeef")).toBe(false);
  });

  it("compares DNs without regard to case or spaces after commas", () => {
    expect(isUnderBase("uid=a, OU=People ,dc=Example,dc=com", "ou=people,dc=example,dc=com")).toBe(true);
    expect(isUnderBase("ou=people,dc=example,dc=com", "ou=people,dc=example,dc=com")).toBe(true);
    expect(isUnderBase("uid=a,ou=system,dc=example,dc=com", "ou=people,dc=example,dc=com")).toBe(false);
    // a suffix of the last RDN's value is not "under"
    expect(isUnderBase("uid=a,ou=xpeople,dc=example,dc=com", "ou=people,dc=example,dc=com")).toBe(false);
    // an escaped comma stays inside its RDN
    expect(isUnderBase("cn=Doe\\, John,ou=people,dc=example,dc=com", "ou=people,dc=example,dc=com")).toBe(true);
  });

  it("finds the attribute the mapping's userName reads, when it reads one", () => {
    expect(providerNameAttribute({ userName: "uid" })).toBe("uid");
    expect(providerNameAttribute({ userName: { attribute: "sAMAccountName", transform: "lower" } })).toBe("sAMAccountName");
    expect(providerNameAttribute({ userName: { template: "{givenName}.{sn}" } })).toBeNull();
  });
});
