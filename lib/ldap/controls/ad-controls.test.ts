import { describe, expect, it } from "vitest";
import { BerReader, BerWriter } from "ldapts";
import { decodeDirSyncValue, DirSyncControl, DIRSYNC_FLAGS, encodeDirSyncValue, ShowDeletedControl } from "./ad-controls.ts";

describe("DirSync control", () => {
  it("writes flags as AD reads a ULONG: 0x80000000 as the four bytes 80 00 00 00", () => {
    const value = encodeDirSyncValue({ flags: DIRSYNC_FLAGS.INCREMENTAL_VALUES | DIRSYNC_FLAGS.OBJECT_SECURITY, maxAttributeCount: 0, cookie: Buffer.alloc(0) });
    // SEQUENCE { INTEGER 0x80000001, INTEGER 0, OCTET STRING "" }
    expect(value.toString("hex")).toBe("300b" + "020480000001" + "020100" + "0400");
  });

  it("reads back what it writes, cookie bytes intact", () => {
    const cookie = Buffer.from("4d53445300030000ff00", "hex");
    const v = decodeDirSyncValue(new BerReader(encodeDirSyncValue({ flags: 1, maxAttributeCount: 1_048_576, cookie })));
    expect(v).toEqual({ flags: 1, maxAttributeCount: 1_048_576, cookie });
  });

  it("is written as a critical control with its value, and parses the answer's cookie into itself", () => {
    const c = new DirSyncControl({ flags: DIRSYNC_FLAGS.INCREMENTAL_VALUES, maxAttributeCount: 0, cookie: Buffer.from("abc") });
    const w = new BerWriter();
    c.write(w);
    const r = new BerReader(w.buffer);
    r.readSequence();
    expect(r.readString()).toBe("1.2.840.113556.1.4.841");
    expect(r.readBoolean()).toBe(true);
    const inner = r.readString(0x04, true);
    expect(decodeDirSyncValue(new BerReader(inner!)).cookie.toString()).toBe("abc");

    // the directory's answer: more results waiting, a new cookie
    c.parse(new BerReader(encodeDirSyncValue({ flags: 1, maxAttributeCount: 0, cookie: Buffer.from("next") })));
    expect(c.response).toEqual({ moreResults: true, cookie: Buffer.from("next") });
  });

  it("refuses an answer cut short", () => {
    const full = encodeDirSyncValue({ flags: 0, maxAttributeCount: 0, cookie: Buffer.from("x") });
    const cut = Buffer.concat([Buffer.from([0x30, 0x06]), full.subarray(2, 8)]);
    expect(() => decodeDirSyncValue(new BerReader(cut))).toThrow(/cut short/);
  });

  it("Show Deleted is critical and has no value", () => {
    const w = new BerWriter();
    new ShowDeletedControl().write(w);
    expect(w.buffer.toString("hex")).toBe("301b" + "0416" + Buffer.from("1.2.840.113556.1.4.417").toString("hex") + "0101ff");
  });
});
