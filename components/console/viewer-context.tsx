"use client";
import { createContext, useContext } from "react";
import { hasRole, type TRole } from "@/lib/auth/roles";

export type TClientViewer = { username: string; displayName: string; role: TRole };

export const ViewerContext = createContext<TClientViewer>({ username: "", displayName: "", role: "viewer" });

export function useViewer(): TClientViewer & { can: (role: TRole) => boolean } {
  const v = useContext(ViewerContext);
  return { ...v, can: (role) => hasRole(v.role, role) };
}
