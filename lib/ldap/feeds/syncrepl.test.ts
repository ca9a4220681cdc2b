import { describe, expect, it } from "vitest";
import { FeedResetError } from "../change-feed.ts";
import { decodeCookie, encodeCookie } from "./syncrepl.ts";

const csn = Buffer.from("rid=000,csn=20261129221031.732183Z#000000#000#000000");

describe("the syncrepl feed's stored cookie", () => {
  it("round-trips the users' and the groups' cookies byte for byte", () => {
    const back = decodeCookie(encodeCookie({ users: csn, groups: Buffer.concat([csn, Buffer.from([0xff])]) }));
    expect("users" in back && back.users.equals(csn)).toBe(true);
    expect("groups" in back && back.groups?.at(-1)).toBe(0xff);
  });
  it("reads the timestamp fallback", () => {
    expect(decodeCookie(JSON.stringify({ v: 1, fallback: "timestamp" }))).toEqual({ fallback: "timestamp" });
  });
  it.each([
    ["not JSON", "rid=000,csn=1"],
    ["another version", JSON.stringify({ v: 2, users: csn.toString("base64") })],
    ["no CSN in the cookie", JSON.stringify({ v: 1, users: Buffer.from("garbage").toString("base64") })],
    ["an empty cookie", ""],
  ])("a cookie it cannot continue from is a reset (a full read), never 'nothing changed': %s", (_, stored) => {
    expect(() => decodeCookie(stored)).toThrow(FeedResetError);
  });
});
