import { describe, expect, it } from "vitest";
import { BerWriter, PersistentSearchControl } from "ldapts";
import { NotificationControl } from "./notification.ts";
import { adEntryMatters } from "../feeds/ad-watch.ts";

describe("change notification control", () => {
  it("is written critical, with no value (as AD requires)", () => {
    const w = new BerWriter();
    new NotificationControl().write(w);
    // SEQUENCE { OID 1.2.840.113556.1.4.528, BOOLEAN TRUE }
    expect(w.buffer.toString("hex")).toBe("301b" + "0416" + Buffer.from("1.2.840.113556.1.4.528").toString("hex") + "0101ff");
  });
});

describe("persistent search control, as the 389-DS watch sends it", () => {
  it("asks for every change type (15), new changes only, no Entry Change Notification", () => {
    const w = new BerWriter();
    new PersistentSearchControl({ critical: true, value: { changeTypes: 15, changesOnly: true, returnECs: false } }).write(w);
    // ... OCTET STRING { SEQUENCE { INTEGER 15, BOOLEAN TRUE, BOOLEAN FALSE } }
    expect(w.buffer.toString("hex").endsWith("040b" + "3009" + "02010f" + "0101ff" + "010100")).toBe(true);
  });
});

describe("which notified AD entries ask for a cycle", () => {
  const e = (attrs: Record<string, string[]>) => ({ dn: "CN=x,DC=ferry,DC=test", attrs });
  it("users, groups and their tombstones", () => {
    expect(adEntryMatters(e({ objectclass: ["top", "person", "organizationalPerson", "user"] }))).toBe(true);
    expect(adEntryMatters(e({ objectclass: ["top", "group"] }))).toBe(true);
    expect(adEntryMatters(e({ objectclass: ["top", "person", "organizationalPerson", "user"], isdeleted: ["TRUE"] }))).toBe(true);
    expect(adEntryMatters(e({ isdeleted: ["TRUE"] }))).toBe(true);
  });
  it("not computers, OUs, containers", () => {
    expect(adEntryMatters(e({ objectclass: ["top", "person", "organizationalPerson", "user", "computer"] }))).toBe(false);
    expect(adEntryMatters(e({ objectclass: ["top", "organizationalUnit"] }))).toBe(false);
    expect(adEntryMatters(e({ objectclass: ["top", "container"] }))).toBe(false);
  });
});
