// Who is asking: a signed-in console user or an API token. Every page, route and
// operation is decided on this, read fresh from the database on each request, so a
// disabled user, a changed role or a revoked token takes effect at once.
import type { TActor } from "../channels/actor.ts";
import type { TRole } from "./roles.ts";

export type TViewer =
  | {
      kind: "user";
      userId: number;
      username: string;
      displayName: string;
      role: TRole;
      mustChangePassword: boolean;
      /** SHA-256 of the session id; CSRF tokens are bound to it */
      sessionIdHash: string;
    }
  | { kind: "token"; tokenId: number; name: string; role: TRole };

/** The audit log's actor and channel: console users by name, tokens as token:<name>. */
export function actorOf(viewer: TViewer, via: "console" | "api"): TActor {
  return viewer.kind === "user" ? { actor: viewer.username, via } : { actor: `token:${viewer.name}`, via: "api" };
}
