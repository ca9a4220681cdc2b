import type { ConsoleUser } from "../../generated/prisma/client.ts";
import { roleFromDb, type TRole } from "../auth/roles.ts";

/** A console user as pages and the API show it: never the password hash. */
export type TConsoleUserView = {
  id: number;
  username: string;
  displayName: string;
  role: TRole;
  disabled: boolean;
  mustChangePassword: boolean;
  createdBy: string | null;
  createdAt: Date;
  lastLoginAt: Date | null;
  passwordChangedAt: Date | null;
};

export function toConsoleUserView(u: ConsoleUser): TConsoleUserView {
  return {
    id: u.id,
    username: u.username,
    displayName: u.displayName,
    role: roleFromDb(u.role),
    disabled: u.disabled,
    mustChangePassword: u.mustChangePassword,
    createdBy: u.createdBy,
    createdAt: u.createdAt,
    lastLoginAt: u.lastLoginAt,
    passwordChangedAt: u.passwordChangedAt,
  };
}

export const ZUSERNAME = /^[a-z0-9][a-z0-9._@-]{1,99}$/;
