import { describe, expect, it } from "vitest";
import { ScimError } from "../scim/errors.ts";
import { isSizeRefusal, MemberChunkSize, sendInChunks } from "./member-chunks.ts";

const refusal = (n: number, limit: number) => {
  if (n > limit) throw new ScimError("fatal", "POST /Groups: 400 One or more Group members are invalid", { status: 400 });
};

describe("member chunks", () => {
  it("recognises size refusals and nothing else", () => {
    expect(isSizeRefusal(new ScimError("fatal", "x: 413 Payload Too Large", { status: 413 }))).toBe(true);
    expect(isSizeRefusal(new ScimError("fatal", "x: 400 whatever", { status: 400, scimType: "tooMany" }))).toBe(true);
    expect(isSizeRefusal(new ScimError("fatal", "x: 400 One or more Group members are invalid", { status: 400 }))).toBe(true);
    expect(isSizeRefusal(new ScimError("fatal", "x: 400 displayName is required", { status: 400 }))).toBe(false);
    expect(isSizeRefusal(new ScimError("fatal", "x: 401 unauthorized", { status: 401 }))).toBe(false);
    expect(isSizeRefusal(new Error("too many"))).toBe(false);
  });

  it("splits a refused chunk, sends every member once, and learns the size that went through", async () => {
    const sizer = new MemberChunkSize(200);
    const sent: number[][] = [];
    const ids = Array.from({ length: 450 }, (_, i) => i);
    await sendInChunks(ids, sizer, async (c) => {
      refusal(c.length, 100);
      sent.push(c);
    });
    expect(sent.flat()).toEqual(ids);
    expect(Math.max(...sent.map((c) => c.length))).toBeLessThanOrEqual(100);
    expect(sizer.learned).toBe(100);
  });

  it("a member the target refuses on its own fails as before, and teaches nothing", async () => {
    const sizer = new MemberChunkSize(4);
    const err = new ScimError("fatal", "x: 400 One or more Group members are invalid", { status: 400 });
    await expect(
      sendInChunks([1, 2, 3, 4], sizer, async (c) => {
        if (c.includes(3)) throw err;
      }),
    ).rejects.toBe(err);
    // [1,2] went through after the refusal of 4: at most that size is learned, never 1
    expect(sizer.learned === null || sizer.learned >= 2).toBe(true);
  });

  it("nothing refused: nothing learned", async () => {
    const sizer = new MemberChunkSize(100);
    await sendInChunks([1, 2, 3], sizer, async () => undefined);
    expect(sizer.learned).toBeNull();
  });
});
