import { describe, expect, it } from "vitest";
import { ZOptions } from "../channel-config/config.ts";
import { decideInScope, deprovisionAction, isCandidate, type TKnownRecord } from "./decide.ts";

const opts = ZOptions.parse({});
const rec = (over: Partial<TKnownRecord> = {}): TKnownRecord => ({
  ldapTimestamp: "20260101000000Z",
  valuesHash: "h1",
  sourceState: "IN_SCOPE",
  targetState: "ACTIVE",
  dirty: false,
  pendingAction: "NONE",
  ...over,
});
const seen = (over: Partial<{ timestamp: string; disabled: boolean; hash: string }> = {}) => ({
  timestamp: "20260101000000Z",
  disabled: false,
  hash: "h1",
  ...over,
});

describe("isCandidate", () => {
  it("looks at new, newer, re-enabled and reset records only", () => {
    expect(isCandidate(undefined, seen(), false)).toBe(true);
    expect(isCandidate(rec(), seen(), false)).toBe(false);
    expect(isCandidate(rec(), seen({ timestamp: "20260101000001Z" }), false)).toBe(true);
    expect(isCandidate(rec(), seen(), true)).toBe(true);
    expect(isCandidate(rec(), seen({ disabled: true }), false)).toBe(true);
    expect(isCandidate(rec({ dirty: true }), seen(), false)).toBe(true);
  });
  it("catches a second change within the same second by its values", () => {
    expect(isCandidate(rec(), seen({ hash: "h2" }), false)).toBe(true);
  });
  it("after a values-hash reset, ignores entries whose timestamp did not move (seed: --reset-values-hash)", () => {
    expect(isCandidate(rec({ valuesHash: null }), seen({ hash: "h2" }), false)).toBe(false);
    expect(isCandidate(rec({ valuesHash: null }), seen({ timestamp: "20260102000000Z" }), false)).toBe(true);
  });
});

describe("decideInScope", () => {
  it("creates new users, updates changed ones, leaves equal ones", () => {
    expect(decideInScope(undefined, seen(), opts)).toBe("CREATE");
    expect(decideInScope(rec(), seen({ hash: "h2" }), opts)).toBe("UPDATE");
    expect(decideInScope(rec(), seen(), opts)).toBe("NONE");
    expect(decideInScope(rec({ valuesHash: null }), seen(), opts)).toBe("UPDATE");
  });
  it("re-enables a user who comes back", () => {
    expect(decideInScope(rec({ targetState: "INACTIVE", sourceState: "OUT_OF_SCOPE" }), seen(), opts)).toBe("ENABLE");
  });
  it("provisions disabled users only when asked to", () => {
    expect(decideInScope(undefined, seen({ disabled: true }), opts)).toBe("NONE");
    expect(decideInScope(undefined, seen({ disabled: true }), { ...opts, provisionDisabledUsers: true })).toBe("CREATE");
  });
  it("never deprovisions a user disabled in the directory itself: that is the guarded step's", () => {
    expect(decideInScope(rec(), seen({ disabled: true }), opts)).toBe("NONE");
    expect(decideInScope(rec(), seen({ disabled: true }), { ...opts, removeUserAction: "delete" })).toBe("NONE");
    expect(decideInScope(rec({ targetState: "INACTIVE" }), seen({ disabled: true }), { ...opts, removeUserAction: "delete" })).toBe("NONE");
  });
  it("keeps a provisioned disabled user's values current", () => {
    const o = { ...opts, provisionDisabledUsers: true };
    expect(decideInScope(rec({ targetState: "INACTIVE" }), seen({ disabled: true, hash: "h2" }), o)).toBe("UPDATE");
    expect(decideInScope(rec({ targetState: "INACTIVE" }), seen({ disabled: true }), o)).toBe("NONE");
  });
  it("honours create/update switches", () => {
    expect(decideInScope(undefined, seen(), { ...opts, createUsers: false })).toBe("NONE");
    expect(decideInScope(rec(), seen({ hash: "h2" }), { ...opts, updateUsers: false })).toBe("NONE");
  });
});

describe("deprovisionAction", () => {
  const gone = rec({ sourceState: "OUT_OF_SCOPE" });
  it("disables or deletes per Remove User Action; nothing for users never provisioned or still in scope", () => {
    expect(deprovisionAction(gone, opts)).toBe("DISABLE");
    expect(deprovisionAction(gone, { ...opts, removeUserAction: "delete" })).toBe("DELETE");
    expect(deprovisionAction({ ...gone, targetState: "INACTIVE" }, opts)).toBe("NONE");
    expect(deprovisionAction({ ...gone, targetState: "INACTIVE" }, { ...opts, removeUserAction: "delete" })).toBe("DELETE");
    expect(deprovisionAction({ ...gone, targetState: "ABSENT" }, opts)).toBe("NONE");
    expect(deprovisionAction(rec(), opts)).toBe("NONE");
    expect(deprovisionAction(gone, { ...opts, deprovisionUsers: false })).toBe("NONE");
  });
  it("deprovisions users disabled in the directory, and keeps them inactive when disabled users are provisioned", () => {
    const disabled = rec({ sourceState: "DISABLED" });
    expect(deprovisionAction(disabled, opts)).toBe("DISABLE");
    expect(deprovisionAction(disabled, { ...opts, removeUserAction: "delete" })).toBe("DELETE");
    const kept = { ...opts, removeUserAction: "delete" as const, provisionDisabledUsers: true };
    expect(deprovisionAction(disabled, kept)).toBe("DISABLE");
    expect(deprovisionAction({ ...disabled, targetState: "INACTIVE" }, kept)).toBe("NONE");
    expect(deprovisionAction({ ...disabled, sourceState: "DELETED" }, kept)).toBe("DELETE");
  });
});
