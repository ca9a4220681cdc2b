import { apiRoute } from "@/lib/api/handler";
import { csrfTokenFor } from "@/lib/auth/csrf";

export const dynamic = "force-dynamic";

/** Who is asking: name, role, and (for a console session) the CSRF token for state changes. */
export const GET = apiRoute({ role: "viewer", allowPasswordChange: true }, async ({ viewer }) =>
  viewer.kind === "user"
    ? { kind: "user", username: viewer.username, displayName: viewer.displayName, role: viewer.role, mustChangePassword: viewer.mustChangePassword, csrfToken: csrfTokenFor(viewer.sessionIdHash) }
    : { kind: "token", name: viewer.name, role: viewer.role },
);
