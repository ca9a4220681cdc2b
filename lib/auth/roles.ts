// Console roles, most powerful first. Pure data: safe to import in the browser too.
//   admin    — everything: channel configuration, console users, API tokens
//   operator — runs operations (resets, clears, deletes, node failover); no configuration
//   viewer   — reads everything, changes nothing
export const ROLES = ["admin", "operator", "viewer"] as const;
export type TRole = (typeof ROLES)[number];

const RANK: Record<TRole, number> = { admin: 3, operator: 2, viewer: 1 };

/** Does `role` include everything `needed` may do? */
export function hasRole(role: TRole, needed: TRole): boolean {
  return RANK[role] >= RANK[needed];
}

export const ROLE_LABELS: Record<TRole, string> = { admin: "Admin", operator: "Operator", viewer: "Viewer" };

export const ROLE_DESCRIPTIONS: Record<TRole, string> = {
  admin: "Everything: channel configuration, console users and API tokens",
  operator: "Runs operations (resets, clears, deletes, node failover); cannot change configuration",
  viewer: "Read only",
};

/** The database enum (ADMIN…) to the role (admin…) and back. */
export function roleFromDb(role: "ADMIN" | "OPERATOR" | "VIEWER"): TRole {
  return role.toLowerCase() as TRole;
}

export function roleToDb(role: TRole): "ADMIN" | "OPERATOR" | "VIEWER" {
  return role.toUpperCase() as "ADMIN" | "OPERATOR" | "VIEWER";
}
