// Server-side guard for console pages (server components). Every page calls it: a
// layout alone is not enough, since layouts are not re-run on client navigation.
import { cookies, headers } from "next/headers";
import { redirect } from "next/navigation";
import { readViewer } from "./read-viewer.ts";
import { loginPathFor, RETURN_PATH_HEADER } from "./return-path.ts";
import { hasRole, type TRole } from "./roles.ts";
import type { TViewer } from "./viewer.ts";

export type TUserViewer = Extract<TViewer, { kind: "user" }>;

/** The signed-in console user, or a redirect to /login?next=<the page asked for>. */
export async function requirePageViewer(options: { allowPasswordChange?: boolean } = {}): Promise<TUserViewer> {
  const viewer = await readViewer({ authorization: null, cookies: await cookies() });
  if (!viewer || viewer.kind !== "user") redirect(loginPathFor((await headers()).get(RETURN_PATH_HEADER)));
  if (viewer.mustChangePassword && !options.allowPasswordChange) redirect("/account?required=1");
  return viewer;
}

/** The viewer and whether their role allows the page; the page renders <Forbidden/> when it does not. */
export async function guardPage(role: TRole): Promise<{ viewer: TUserViewer; allowed: boolean }> {
  const viewer = await requirePageViewer();
  return { viewer, allowed: hasRole(viewer.role, role) };
}
