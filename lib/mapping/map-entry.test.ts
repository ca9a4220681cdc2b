import { describe, expect, it } from "vitest";
import { USER_SCHEMA } from "../scim/protocol.ts";
import { hashValues, mapEntry, patchOps, toResource, readFlat, driftedValues } from "./map-entry.ts";

const entry = {
  dn: "uid=jsmith,ou=people,dc=example,dc=com",
  attrs: { uid: ["jsmith"], givenname: ["Janet"], sn: ["Smith"], mail: ["janet@example.com"], department: ["Accounting"] },
};

describe("mapEntry", () => {
  it("maps attributes, templates and literals; drops empties", () => {
    const v = mapEntry(entry, {
      userName: "uid",
      "name.givenName": "givenName",
      displayName: { template: "{givenName} {sn}" },
      userType: { literal: "Employee" },
      title: "title",
      "emails.work": { attribute: "mail", transform: "upper" },
    });
    expect(v).toEqual({
      userName: "jsmith",
      "name.givenName": "Janet",
      displayName: "Janet Smith",
      userType: "Employee",
      "emails.work": "JANET@EXAMPLE.COM",
    });
  });
});

describe("hashValues", () => {
  it("ignores key order and sees every change", () => {
    expect(hashValues({ a: "1", b: "2" })).toBe(hashValues({ b: "2", a: "1" }));
    expect(hashValues({ a: "1", b: "2" })).not.toBe(hashValues({ a: "1", b: "3" }));
    expect(hashValues({ a: "1" })).not.toBe(hashValues({ a: 1 }));
  });
});

describe("toResource", () => {
  it("builds nested, typed multi-valued and extension attributes", () => {
    const r = toResource(
      {
        userName: "jsmith",
        "name.familyName": "Smith",
        "emails.work": "j@x",
        "phoneNumbers.mobile": "+1",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department": "Accounting",
      },
      USER_SCHEMA,
    );
    expect(r).toEqual({
      schemas: [USER_SCHEMA, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
      userName: "jsmith",
      name: { familyName: "Smith" },
      emails: [{ type: "work", primary: true, value: "j@x" }],
      phoneNumbers: [{ type: "mobile", primary: true, value: "+1" }],
      "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": { department: "Accounting" },
    });
  });
});

describe("patchOps", () => {
  it("replaces what changed and removes what went away", () => {
    const ops = patchOps({ userName: "j", "name.givenName": "Jan", title: "Boss" }, { userName: "j", "name.givenName": "Janet" });
    expect(ops).toEqual([
      { op: "replace", value: { name: { givenName: "Janet" } } },
      { op: "remove", path: "title" },
    ]);
  });
  it("sends nothing when nothing changed", () => {
    expect(patchOps({ userName: "j" }, { userName: "j" })).toEqual([]);
  });
  it("replaces a multi-valued attribute whole, by its path, with every value", () => {
    const before = { userName: "j", "emails.work": "a@x", "emails.home": "h@x", "phoneNumbers.work": ["1", "2"] };
    const after = { userName: "j", "emails.work": "b@x", "emails.home": "h@x", "phoneNumbers.work": ["1", "2"] };
    expect(patchOps(before, after)).toEqual([
      { op: "replace", path: "emails", value: [{ type: "work", value: "b@x", primary: true }, { type: "home", value: "h@x" }] },
    ]);
    expect(patchOps({ userName: "j", "phoneNumbers.work": ["1", "2"] }, { userName: "j", "phoneNumbers.work": ["1", "3"] })).toEqual([
      { op: "replace", path: "phoneNumbers", value: [{ type: "work", value: "1", primary: true }, { type: "work", value: "3" }] },
    ]);
  });
  it("by type: changes one typed value in place and adds a new type, leaving the others", () => {
    const before = { userName: "j", "emails.work": "a@x", "emails.home": "h@x" };
    expect(patchOps(before, { ...before, "emails.work": "b@x", "phoneNumbers.mobile": "+1" }, { byType: true })).toEqual([
      { op: "replace", path: 'emails[type eq "work"].value', value: "b@x" },
      { op: "add", path: "phoneNumbers", value: [{ type: "mobile", value: "+1" }] },
    ]);
    // several values of a type: still the whole attribute
    expect(patchOps({ userName: "j", "emails.work": ["a"] }, { userName: "j", "emails.work": ["a", "b"] }, { byType: true })[0]).toMatchObject({ op: "replace", path: "emails" });
  });
  it("filters typed multi-valued removals", () => {
    expect(patchOps({ userName: "j", "emails.work": "a" }, { userName: "j" })).toEqual([{ op: "remove", path: 'emails[type eq "work"]' }]);
  });
});

describe("reading a target's values back (attribute drift)", () => {
  const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
  const sent = { userName: "jsmith", "name.givenName": "Janet", "emails.work": "j@example.com", [`${ENT}:department`]: "Sales", displayName: "Janet Smith" };

  it("reads every flat key from the resource toResource builds, so nothing drifted", () => {
    const resource = toResource(sent, "urn:ietf:params:scim:schemas:core:2.0:User");
    for (const [k, v] of Object.entries(sent)) expect(readFlat(resource, k)).toBe(v);
    expect(driftedValues(sent, resource)).toEqual({});
  });

  it("reports the keys edited at the target with the target's value", () => {
    const resource = toResource({ ...sent, "name.givenName": "Jan", [`${ENT}:department`]: "Hacked" }, "urn:ietf:params:scim:schemas:core:2.0:User");
    expect(driftedValues(sent, resource)).toEqual({ "name.givenName": "Jan", [`${ENT}:department`]: "Hacked" });
  });

  it("finds a typed value by its type, or the lone value of a target that drops the type", () => {
    expect(readFlat({ emails: [{ type: "home", value: "h@x" }, { type: "work", value: "w@x" }] }, "emails.work")).toBe("w@x");
    expect(readFlat({ emails: [{ value: "w@x", primary: true }] }, "emails.work")).toBe("w@x");
    expect(readFlat({ emails: [{ value: "a@x" }, { value: "b@x" }] }, "emails.work")).toBeUndefined();
  });

  it("does not compare what the target does not return, and compares values as text", () => {
    expect(driftedValues({ displayName: "X", title: "Boss" }, { displayName: "X" })).toEqual({});
    expect(driftedValues({ "x.flag": true }, { x: { flag: "true" } })).toEqual({});
    expect(driftedValues({ "x.flag": true }, { x: { flag: false } })).toEqual({ "x.flag": false });
    // RFC 7643: caseExact false; Better Auth lower-cases emails
    expect(driftedValues({ "emails.work": "Ann@Example.com" }, { emails: [{ type: "work", value: "ann@example.com" }] })).toEqual({});
  });
});
