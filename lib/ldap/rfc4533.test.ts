import { describe, expect, it } from "vitest";
import {
  decodeSyncDone,
  decodeSyncInfo,
  decodeSyncRequest,
  decodeSyncState,
  encodeSyncDone,
  encodeSyncInfo,
  encodeSyncRequest,
  encodeSyncState,
  SyncProtocolError,
  type TSyncInfo,
  uuidFromBytes,
} from "./rfc4533.ts";
import { frameLength } from "./sync-search.ts";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const UUID = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0";
const UUID_HEX = "0f1e2d3c4b5a69788796a5b4c3d2e1f0";
const abc = Buffer.from("abc");

describe("Sync Request control value", () => {
  it("encodes refreshOnly without a cookie as just the mode", () => {
    expect(encodeSyncRequest({ mode: "refreshOnly" }).toString("hex")).toBe("30030a0101");
  });
  it("encodes refreshAndPersist with a cookie and the reload hint", () => {
    expect(encodeSyncRequest({ mode: "refreshAndPersist", cookie: abc, reloadHint: true }).toString("hex")).toBe("300b0a010304036162630101ff");
  });
  it("round-trips", () => {
    const d = decodeSyncRequest(encodeSyncRequest({ mode: "refreshAndPersist", cookie: abc }));
    expect(d.mode).toBe("refreshAndPersist");
    expect(d.cookie?.toString()).toBe("abc");
    expect(d.reloadHint).toBeUndefined();
  });
  it("refuses an unknown mode", () => {
    expect(() => decodeSyncRequest(hex("30030a0102"))).toThrow(SyncProtocolError);
  });
});

describe("Sync State control value", () => {
  it("decodes each state with the entryUUID as entryUUID is written", () => {
    const states = ["present", "add", "modify", "delete"] as const;
    states.forEach((state, i) => {
      const v = decodeSyncState(hex(`3015 0a01 0${i} 0410 ${UUID_HEX}`));
      expect(v).toEqual({ state, entryUUID: UUID });
    });
  });
  it("carries a cookie", () => {
    const v = decodeSyncState(hex(`301a 0a0101 0410 ${UUID_HEX} 0403 616263`));
    expect(v.cookie?.toString()).toBe("abc");
    expect(encodeSyncState(v).toString("hex")).toBe(`301a0a01010410${UUID_HEX}0403616263`);
  });
  it("refuses a UUID that is not 16 octets", () => {
    expect(() => decodeSyncState(hex("30080a01010403010203"))).toThrow(/16 octets/);
  });
});

describe("Sync Done control value", () => {
  it("defaults refreshDeletes to false and the cookie to absent", () => {
    expect(decodeSyncDone(hex("3000"))).toEqual({ refreshDeletes: false });
  });
  it("reads the cookie and refreshDeletes", () => {
    const v = decodeSyncDone(hex("3008 0403616263 0101ff"));
    expect(v.cookie?.toString()).toBe("abc");
    expect(v.refreshDeletes).toBe(true);
    expect(encodeSyncDone(v).toString("hex")).toBe("30080403616263" + "0101ff");
  });
});

describe("Sync Info message", () => {
  it("newcookie [0]", () => {
    const v = decodeSyncInfo(hex("8003616263"));
    expect(v.kind).toBe("newcookie");
    expect(v.cookie?.toString()).toBe("abc");
  });
  it("refreshDelete [1] and refreshPresent [2], refreshDone defaulting to true", () => {
    expect(decodeSyncInfo(hex("a100"))).toEqual({ kind: "refreshDelete", cookie: undefined, refreshDone: true });
    const p = decodeSyncInfo(hex("a208 0403616263 010100"));
    expect(p).toMatchObject({ kind: "refreshPresent", refreshDone: false });
    expect(p.cookie?.toString()).toBe("abc");
  });
  it("syncIdSet [3] with refreshDeletes and its UUIDs", () => {
    const other = "ffffffffffffffffffffffffffffff01";
    const v = decodeSyncInfo(hex(`a32d 0403616263 0101ff 3124 0410${UUID_HEX} 0410${other}`));
    expect(v).toMatchObject({ kind: "syncIdSet", refreshDeletes: true, uuids: [UUID, "ffffffff-ffff-ffff-ffff-ffffffffff01"] });
  });
  it("syncIdSet without cookie: refreshDeletes false (a present list)", () => {
    const v = decodeSyncInfo(hex(`a314 3112 0410${UUID_HEX}`));
    expect(v).toMatchObject({ kind: "syncIdSet", refreshDeletes: false, uuids: [UUID] });
  });
  it("round-trips every choice", () => {
    const all: TSyncInfo[] = [
      { kind: "newcookie", cookie: abc },
      { kind: "refreshDelete", cookie: abc, refreshDone: false },
      { kind: "refreshPresent", refreshDone: true },
      { kind: "syncIdSet", cookie: abc, refreshDeletes: true, uuids: [UUID] },
    ];
    for (const info of all) {
      const back = decodeSyncInfo(encodeSyncInfo(info));
      expect({ ...back, cookie: back.cookie?.toString() }).toEqual({ ...info, cookie: info.cookie?.toString() });
    }
  });
  it("refuses an unknown choice", () => {
    expect(() => decodeSyncInfo(hex("a400"))).toThrow(SyncProtocolError);
  });
});

describe("helpers", () => {
  it("formats a syncUUID", () => {
    expect(uuidFromBytes(hex(UUID_HEX))).toBe(UUID);
  });
  it("frames BER elements with short and long lengths", () => {
    expect(frameLength(hex("30"))).toBeNull();
    expect(frameLength(hex("3003020101"))).toBe(5);
    expect(frameLength(hex("308201"))).toBeNull();
    expect(frameLength(hex("30820100"))).toBe(4 + 256);
  });
});
