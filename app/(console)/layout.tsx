// Every console page: signed in or sent to /login; the sidebar; the client providers
// (TanStack Query, the viewer, the CSRF token for state changes).
import type { ReactNode } from "react";
import { Providers } from "@/components/console/providers";
import { Sidebar } from "@/components/console/sidebar";
import { csrfTokenFor } from "@/lib/auth/csrf";
import { requirePageViewer } from "@/lib/auth/page-viewer";

export const dynamic = "force-dynamic";

export default async function ConsoleLayout({ children }: { children: ReactNode }) {
  const viewer = await requirePageViewer({ allowPasswordChange: true });
  return (
    <Providers viewer={{ username: viewer.username, displayName: viewer.displayName, role: viewer.role }} csrfToken={csrfTokenFor(viewer.sessionIdHash)}>
      <div className="shell">
        <Sidebar />
        <main className="main">
          <div className="content">{children}</div>
        </main>
      </div>
    </Providers>
  );
}
