import { describe, expect, it } from "vitest";
import { CHANNEL_OPERATIONS, isChannelOperation, needsTypedConfirmation, OPERATION_GROUPS } from "./operations.ts";

describe("the channel operations", () => {
  it("are the seed's twelve and Ferry's two (retry, quarantine), each in a group the console shows", () => {
    expect(CHANNEL_OPERATIONS).toHaveLength(16);
    expect(new Set(CHANNEL_OPERATIONS.map((o) => o.id)).size).toBe(16);
    for (const o of CHANNEL_OPERATIONS) expect(Object.keys(OPERATION_GROUPS)).toContain(o.group);
  });

  it("ask for the channel's name exactly where they empty the store", () => {
    expect(CHANNEL_OPERATIONS.filter((o) => needsTypedConfirmation(o.id)).map((o) => o.id)).toEqual(["delete-all-users", "delete-all"]);
  });

  it("are told from provmgr's own commands", () => {
    expect(isChannelOperation("reset-all")).toBe(true);
    expect(isChannelOperation("show-holds")).toBe(false);
  });
});
