import { describe, expect, it } from "vitest";
import type { TScimAttribute, TScimSchema } from "../scim/schemas.ts";
import { ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA } from "../scim/protocol.ts";
import { schemaIssues } from "./check-target-schema.ts";

const a = (name: string, type = "string", more: Partial<TScimAttribute> = {}): TScimAttribute => ({ name, type, multiValued: false, mutability: "readWrite", subAttributes: [], ...more });
const typed = (name: string) => a(name, "complex", { multiValued: true, subAttributes: [a("value"), a("type"), a("primary", "boolean")] });

const CUSTOM = "urn:example:params:scim:schemas:extension:acme:2.0:User";
const schemas = new Map<string, TScimSchema>([
  [
    USER_SCHEMA,
    {
      id: USER_SCHEMA,
      attributes: [
        a("userName"),
        a("name", "complex", { subAttributes: [a("givenName"), a("familyName")] }),
        a("displayName"),
        a("active", "boolean"),
        a("profileUrl", "reference"),
        typed("emails"),
        typed("phoneNumbers"),
        a("groups", "complex", { multiValued: true, mutability: "readOnly", subAttributes: [a("value")] }),
      ],
    },
  ],
  [ENTERPRISE_USER_SCHEMA, { id: ENTERPRISE_USER_SCHEMA, attributes: [a("department"), a("manager", "complex", { subAttributes: [a("value"), a("displayName")] })] }],
  [CUSTOM, { id: CUSTOM, attributes: [a("badge", "integer"), a("aliases", "string", { multiValued: true })] }],
  [GROUP_SCHEMA, { id: GROUP_SCHEMA, attributes: [a("displayName")] }],
]);

const issues = (mapping: Record<string, unknown>) => schemaIssues(mapping as never, schemas, USER_SCHEMA, "mapping").map((i) => i.message);

describe("a mapping against the target's schemas", () => {
  it("accepts what the target has, common attributes, typed multi-values and extensions", () => {
    expect(
      issues({
        userName: "uid",
        externalId: "entryUUID",
        "name.givenName": { attribute: "givenName", transform: "none" },
        "emails.work": { expression: 'attrs("mail")' },
        "phoneNumbers.mobile": "mobile",
        active: { expression: 'attr("x") == "TRUE"' },
        profileUrl: { template: "https://x/{uid}" },
        [`${ENTERPRISE_USER_SCHEMA}:department`]: "ou",
        [`${ENTERPRISE_USER_SCHEMA}:manager`]: { reference: "manager" },
        [`${CUSTOM}:badge`]: { expression: 'int(attr("badge"))' },
        [`${CUSTOM}:aliases`]: { expression: 'attrs("alias")' },
      }),
    ).toEqual([]);
  });

  it("refuses attributes, sub-attributes and schemas the target lacks", () => {
    expect(issues({ nickName: "cn" })).toEqual(['mapping.nickName: the target\'s urn:ietf:params:scim:schemas:core:2.0:User has no attribute "nickName"']);
    expect(issues({ "name.middleName": "x" })[0]).toMatch(/no sub-attribute "middleName"/);
    expect(issues({ "urn:example:other:2.0:User:x": "x" })[0]).toMatch(/no schema urn:example:other:2.0:User/);
    expect(issues({ "displayName.x": "x" })[0]).toMatch(/not complex/);
  });

  it("refuses the wrong kind of value, saying how to convert it", () => {
    expect(issues({ active: "employeeStatus" })[0]).toMatch(/boolean at the target.*attr\("x"\) == "TRUE"/);
    expect(issues({ [`${CUSTOM}:badge`]: "badge" })[0]).toMatch(/integer at the target.*int\(attr/);
    expect(issues({ displayName: { expression: 'attrs("cn")' } })[0]).toMatch(/single-valued/);
    expect(issues({ [`${CUSTOM}:aliases`]: "alias" })[0]).toMatch(/multi-valued at the target/);
    expect(issues({ name: "cn" })[0]).toMatch(/complex at the target: map one of its sub-attributes \(name.givenName, name.familyName\)/);
    expect(issues({ [`${ENTERPRISE_USER_SCHEMA}:manager`]: "manager" })[0]).toMatch(/complex/);
    expect(issues({ userName: { literal: 3 } })[0]).toMatch(/takes text/);
  });

  it("refuses read-only attributes", () => {
    expect(issues({ "groups.x": "memberOf" })[0]).toMatch(/read-only/);
    expect(issues({ id: "uid" })[0]).toMatch(/read-only/);
  });

  it("checks nothing for a target that does not describe its core schema", () => {
    expect(schemaIssues({ anything: "x" } as never, new Map(), USER_SCHEMA, "mapping")).toEqual([]);
  });
});
