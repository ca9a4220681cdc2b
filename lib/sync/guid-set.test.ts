import { describe, expect, it } from "vitest";
import { GuidSet } from "./guid-set.ts";

describe("GuidSet", () => {
  it("answers for what it was given, and not for the rest, across growth", () => {
    const s = new GuidSet();
    const guid = (i: number) => `3f2a1b4c-0000-1111-2222-${String(i).padStart(12, "0")}`;
    for (let i = 0; i < 300_000; i += 2) s.add(guid(i));
    expect(s.size).toBe(150_000);
    let wrong = 0;
    for (let i = 0; i < 300_000; i++) if (s.has(guid(i)) !== (i % 2 === 0)) wrong++;
    expect(wrong).toBe(0);
  });

  it("counts a GUID added twice once; empty knows nothing", () => {
    const s = new GuidSet();
    expect(s.has("a")).toBe(false);
    s.add("a");
    s.add("a");
    expect(s.size).toBe(1);
    expect(s.has("a")).toBe(true);
    expect(s.has("")).toBe(false);
  });
});
