import { describe, expect, it } from "vitest";
import { escapeFilterValue, normaliseEntry } from "./directory.ts";

describe("normaliseEntry", () => {
  it("lower-cases names, makes every value a string list, and shows binary GUIDs as hex", () => {
    const guid = Buffer.from("ffd448643f812b43a0bee2504173f001", "hex");
    const e = normaliseEntry({ dn: "CN=Janet,DC=corp", objectGUID: guid, sAMAccountName: "jsmith", memberOf: ["a", "b"] });
    expect(e).toEqual({
      dn: "CN=Janet,DC=corp",
      attrs: { objectguid: ["ffd448643f812b43a0bee2504173f001"], samaccountname: ["jsmith"], memberof: ["a", "b"] },
    });
  });
});

describe("normaliseEntry drops what must not be kept", () => {
  it("drops password attributes and empty ones", () => {
    const e = normaliseEntry({ dn: "uid=a", uid: "a", userPassword: "{SSHA}xyz", "userPassword;binary": "x", unicodePwd: Buffer.from("p"), "*": [] });
    expect(e.attrs).toEqual({ uid: ["a"] });
  });
});

describe("escapeFilterValue", () => {
  it("escapes RFC 4515 specials", () => {
    expect(escapeFilterValue("a*b(c)\\d")).toBe("a\\2ab\\28c\\29\\5cd");
  });
});
