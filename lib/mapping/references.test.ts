import { describe, expect, it } from "vitest";
import { normalizeDn, referencedDns, referenceKeys, resolveReferences } from "./references.ts";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe("references", () => {
  it("compares DNs ignoring case and spaces between RDNs, keeping an escaped comma's value", () => {
    expect(normalizeDn("CN=Boss, OU=Staff,DC=example, DC=com")).toBe("cn=boss,ou=staff,dc=example,dc=com");
    expect(normalizeDn("CN=Doe\\, John,OU=Users")).toBe("cn=doe\\, john,ou=users");
  });

  it("finds the reference keys and the DNs they hold", () => {
    const mapping = { userName: "uid", [`${ENT}:manager`]: { reference: "manager" } } as const;
    expect(referenceKeys(mapping)).toEqual([`${ENT}:manager`]);
    expect(referencedDns({ userName: "a", [`${ENT}:manager`]: "cn=boss" }, [`${ENT}:manager`])).toEqual(["cn=boss"]);
  });

  it("sends a resolved reference as <key>.value and leaves an unresolved one out", () => {
    const keys = [`${ENT}:manager`];
    const ids = new Map([["cn=boss", "id-1"]]);
    expect(resolveReferences({ userName: "a", [`${ENT}:manager`]: "cn=boss" }, keys, (dn) => ids.get(dn))).toEqual({ userName: "a", [`${ENT}:manager.value`]: "id-1" });
    expect(resolveReferences({ userName: "a", [`${ENT}:manager`]: "cn=nobody" }, keys, (dn) => ids.get(dn))).toEqual({ userName: "a" });
    // values taken from what was sent (a drift repair) already hold the id: kept as they are
    expect(resolveReferences({ userName: "a", [`${ENT}:manager.value`]: "id-1" }, keys, (dn) => ids.get(dn))).toEqual({ userName: "a", [`${ENT}:manager.value`]: "id-1" });
  });
});
