import { describe, expect, it } from "vitest";
import { classifyChanges, dnWithin, type TChangelogEntry } from "./changelog.ts";

const source = { baseDn: "ou=People,dc=ferry,dc=test", groupDn: "cn=app,ou=Groups,dc=ferry,dc=test", groupBaseDn: "ou=Groups,dc=ferry,dc=test" };
const e = (n: number, changeType: string, targetDn: string, targetUniqueId?: string, newSuperior?: string): TChangelogEntry => ({
  changeNumber: BigInt(n),
  changeType,
  targetDn,
  targetUniqueId,
  newSuperior,
});

describe("dnWithin", () => {
  it("matches the base itself and entries below it, not a sibling whose name ends alike", () => {
    expect(dnWithin("uid=a,ou=People,dc=ferry,dc=test", "ou=people, dc=ferry,dc=test")).toBe(true);
    expect(dnWithin("ou=People,dc=ferry,dc=test", "ou=People,dc=ferry,dc=test")).toBe(true);
    expect(dnWithin("uid=a,ou=OtherPeople,dc=ferry,dc=test", "ou=People,dc=ferry,dc=test")).toBe(false);
    expect(dnWithin(undefined, "ou=People,dc=ferry,dc=test")).toBe(false);
  });
});

describe("classifyChanges", () => {
  it("reports deletes under the base as gone and other writes as changed, the last word winning", () => {
    const c = classifyChanges(
      [e(3, "delete", "uid=a,ou=People,dc=ferry,dc=test", "ID-A"), e(1, "modify", "uid=a,ou=People,dc=ferry,dc=test", "ID-A"), e(2, "add", "uid=b,ou=People,dc=ferry,dc=test", "id-b")],
      source,
    );
    expect(c.gone).toEqual([{ guid: "id-a", deleted: true }]);
    expect(c.changed).toEqual(["id-b"]);
    expect(c.scopeChanged).toBe(false);
  });

  it("reads a move out of the base (old DN inside) and into it (new parent inside) as changed", () => {
    const c = classifyChanges(
      [
        e(1, "modrdn", "uid=a,ou=People,dc=ferry,dc=test", "id-a", "ou=Elsewhere,dc=ferry,dc=test"),
        e(2, "modrdn", "uid=b,ou=Elsewhere,dc=ferry,dc=test", "id-b", "ou=People,dc=ferry,dc=test"),
      ],
      source,
    );
    expect(c.changed.sort()).toEqual(["id-a", "id-b"]);
  });

  it("ignores writes outside the base, but a write to the provisioning group or the group base changes the scope", () => {
    expect(classifyChanges([e(1, "modify", "uid=x,ou=Elsewhere,dc=ferry,dc=test", "id-x")], source)).toEqual({ changed: [], gone: [], scopeChanged: false, withoutId: 0 });
    expect(classifyChanges([e(1, "modify", "cn=app,ou=Groups,dc=ferry,dc=test", "id-g")], source).scopeChanged).toBe(true);
    expect(classifyChanges([e(1, "modify", "cn=team,ou=Groups,dc=ferry,dc=test", "id-t")], source).scopeChanged).toBe(true);
    // a filter scope has no group: group writes say nothing about it
    expect(classifyChanges([e(1, "modify", "cn=app,ou=Groups,dc=ferry,dc=test", "id-g")], { baseDn: source.baseDn }).scopeChanged).toBe(false);
  });

  it("counts changes under the base that carry no targetUniqueId (the plugin is not configured for it)", () => {
    expect(classifyChanges([e(1, "delete", "uid=a,ou=People,dc=ferry,dc=test")], source).withoutId).toBe(1);
  });
});
