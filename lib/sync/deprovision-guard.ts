// The rule that stands between "the directory no longer has these people" and
// disabling or deleting them at the target. Pure, so every case is unit-tested on
// plain numbers; lib/sync/deprovision.ts counts the store and applies the verdict,
// once per cycle, for every path that can lead to deprovisioning (a full read's
// missing users, an incremental read's users who left the scope, users disabled in
// the directory, groups gone from the scope, and whatever later feeds the store).
import type { TOptions } from "../channel-config/config.ts";
import type { TRecordKind } from "../records/states.ts";

export type { TRecordKind };

export type TGuardInput = {
  kind: TRecordKind;
  /** records the store says should be deprovisioned and that were not released yet */
  awaiting: number;
  /** of those, the ones an administrator approved (covered by an approved hold) */
  approved: number;
  /** records at the target that deprovisioning could touch: the percentage is taken of these */
  base: number;
  /** records still in scope (enabled) after this cycle's read */
  inScope: number;
  options: Pick<TOptions, "maxDeprovisionPercent" | "deprovisionGuardMinimum"> & Partial<Pick<TOptions, "maxDeprovisionCount">>;
};

export type TGuardVerdict =
  | { verdict: "nothing" }
  /** release every awaiting record: within the channel's limits, or all approved */
  | { verdict: "release"; count: number }
  /**
   * hold the records nobody approved; the approved ones (if any) are released all the
   * same: the administrator reviewed exactly those
   */
  | { verdict: "hold"; held: number; releaseApproved: number; rule: "empty-scope" | "percent" | "count"; reason: string };

export function guardDeprovisioning(input: TGuardInput): TGuardVerdict {
  const { kind, awaiting, base, inScope, options } = input;
  const approved = Math.min(input.approved, awaiting);
  if (awaiting <= 0) return { verdict: "nothing" };
  const fresh = awaiting - approved;
  if (fresh === 0) return { verdict: "release", count: awaiting };
  // a scope that came back empty is never taken at its word: a group emptied by mistake,
  // a filter that matches nothing, a bind account that lost its read rights all look so
  if (inScope === 0) {
    return {
      verdict: "hold",
      held: fresh,
      releaseApproved: approved,
      rule: "empty-scope",
      reason: `directory returned no ${kind} in scope where ${fresh + approved} were known`,
    };
  }
  const { maxDeprovisionPercent, deprovisionGuardMinimum } = options;
  const noun = kind === "users" ? "provisioned users" : "provisioned groups";
  const maxCount = options.maxDeprovisionCount ?? 0;
  // a count the channel never lets go at once, however large the directory
  if (maxCount > 0 && fresh > maxCount) {
    return {
      verdict: "hold",
      held: fresh,
      releaseApproved: approved,
      rule: "count",
      reason: `${fresh} of ${base} ${noun} would be deprovisioned at once, above the channel's limit of ${maxCount}`,
    };
  }
  const share = base > 0 ? (fresh / base) * 100 : 100;
  if (fresh > deprovisionGuardMinimum && share > maxDeprovisionPercent) {
    return {
      verdict: "hold",
      held: fresh,
      releaseApproved: approved,
      rule: "percent",
      reason: `${fresh} of ${base} ${noun} (${Math.round(share)}%) would be deprovisioned, above the channel's limit of ${maxDeprovisionPercent}%`,
    };
  }
  return { verdict: "release", count: awaiting };
}

/**
 * The most a channel lets go in one cycle without an approval, for `base` records at the
 * target: what the property test holds every cycle to.
 */
export function allowedWithoutApproval(base: number, options: TGuardInput["options"]): number {
  const byShare = Math.max(options.deprovisionGuardMinimum, Math.floor((base * options.maxDeprovisionPercent) / 100));
  const maxCount = options.maxDeprovisionCount ?? 0;
  return maxCount > 0 ? Math.min(byShare, maxCount) : byShare;
}
