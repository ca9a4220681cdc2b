// What a plan of the next cycle is (lib/channels/plan-cycle.ts makes it): the actions,
// counts and records the API, provmgr and the console's Plan page show. Browser-safe:
// types and constants only, so the console's page imports it without the store.
export const USER_PLAN_ACTIONS = ["create", "update", "enable", "disable", "delete"] as const;
export const GROUP_PLAN_ACTIONS = ["create", "rename", "members", "delete"] as const;
export type TUserPlanAction = (typeof USER_PLAN_ACTIONS)[number];
export type TGroupPlanAction = (typeof GROUP_PLAN_ACTIONS)[number];

export type TValue = string | number | boolean | null;
export type TAttributeChange = { attribute: string; from: TValue; to: TValue };

export type TPlanUser = {
  id: string;
  dn: string;
  userName: string | null;
  /** pending values against what the target last acknowledged */
  changes: TAttributeChange[];
  /** decided by an earlier cycle and still waiting for the target (not by this plan's read) */
  carriedOver: boolean;
  lastError: string | null;
};

export type TPlanGroup = {
  id: string;
  dn: string;
  displayName: string | null;
  /** the name the target holds (a rename) */
  ackedName: string | null;
  /** member changes against what the target acknowledged: counts and the first names */
  add: { count: number; sample: string[] };
  remove: { count: number; sample: string[] };
  carriedOver: boolean;
};

export type TPlanHold = {
  kind: "users" | "groups";
  /** opened by this plan (the next cycle would open it), or open already */
  isNew: boolean;
  status: "HELD" | "APPROVED";
  rule: string;
  reason: string;
  count: number;
  base: number;
  /** the first records it would hold */
  sample: Array<{ dn: string; name: string | null }>;
};

export type TPlan = {
  channelId: number;
  channelName: string;
  mode: "full" | "incremental";
  reasons: string[];
  usersRead: number;
  groupsRead: number;
  limit: number;
  counts: { users: Record<TUserPlanAction, number>; groups: Record<TGroupPlanAction, number> };
  /** dirty records the next cycle skips: the target refused them and their backoff has not passed */
  waiting: { users: number; groups: number };
  held: TPlanHold[];
  items: { users: Record<TUserPlanAction, TPlanUser[]>; groups: Record<TGroupPlanAction, TPlanGroup[]> };
  plannedAt: Date;
  ms: number;
};
