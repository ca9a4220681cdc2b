import { describe, expect, it } from "vitest";
import { attributeChanges } from "./plan-cycle.ts";

describe("attributeChanges (what a plan shows for one user)", () => {
  it("a create lists every value and active", () => {
    expect(attributeChanges("CREATE", { userName: "a", "name.givenName": "A", active: true }, null, "ABSENT")).toEqual([
      { attribute: "userName", from: null, to: "a" },
      { attribute: "name.givenName", from: null, to: "A" },
      { attribute: "active", from: null, to: true },
    ]);
  });
  it("an update lists only what differs from what the target acknowledged, and removed values", () => {
    expect(
      attributeChanges("UPDATE", { userName: "a", "name.givenName": "B", title: "x", active: true }, { userName: "a", "name.givenName": "A", title: "x", "emails.work": "a@x" }, "ACTIVE"),
    ).toEqual([
      { attribute: "name.givenName", from: "A", to: "B" },
      { attribute: "emails.work", from: "a@x", to: null },
    ]);
  });
  it("an enable shows active going from false to true; a disable from true to false; a delete nothing", () => {
    expect(attributeChanges("ENABLE", { userName: "a", active: true }, { userName: "a" }, "INACTIVE")).toEqual([{ attribute: "active", from: false, to: true }]);
    expect(attributeChanges("DISABLE", null, { userName: "a" }, "ACTIVE")).toEqual([{ attribute: "active", from: true, to: false }]);
    expect(attributeChanges("DELETE", null, { userName: "a" }, "ACTIVE")).toEqual([]);
  });
});
