"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { IconAudit, IconBook, IconChannels, IconAlert, IconKey, IconLogo, IconNodes, IconUsers } from "@/components/ui/icons";
import { useViewer } from "./viewer-context";

export function Sidebar() {
  const path = usePathname();
  const viewer = useViewer();
  const item = (href: string, label: string, icon: React.ReactNode) => {
    const active = path === href || path.startsWith(`${href}/`);
    return (
      <Link href={href} className={active ? "active" : ""} aria-current={active ? "page" : undefined}>
        {icon}
        {label}
      </Link>
    );
  };
  const initials = (viewer.displayName || viewer.username)
    .split(/\s+/)
    .map((w) => w[0])
    .join("")
    .slice(0, 2)
    .toUpperCase();
  return (
    <aside className="sidebar">
      <div className="brand">
        <IconLogo />
        <div>
          Ferry
          <small>LDAP → SCIM provisioning</small>
        </div>
      </div>
      <nav className="nav" aria-label="Main">
        {item("/channels", "Channels", <IconChannels />)}
        {item("/nodes", "Nodes", <IconNodes />)}
        {item("/audit", "Audit log", <IconAudit />)}
        {item("/api-docs", "API", <IconBook />)}
        {viewer.can("admin") && (
          <>
            <div className="nav-section">Administration</div>
            {item("/settings/users", "Console users", <IconUsers />)}
            {item("/settings/tokens", "API tokens", <IconKey />)}
            {item("/settings/alerts", "Alerts", <IconAlert />)}
          </>
        )}
      </nav>
      <div className="sidebar-foot">
        <div className="who">
          <div className="avatar">{initials}</div>
          <div style={{ minWidth: 0 }}>
            <div className="who-name truncate" data-testid="who-name">{viewer.displayName || viewer.username}</div>
            <div className="who-role">
              {viewer.username} · {ROLE_LABELS[viewer.role]}
            </div>
          </div>
        </div>
        <div className="foot-links">
          <Link href="/account">Account</Link>
          <button type="button" onClick={() => void signOut({ callbackUrl: "/login" })}>
            Sign out
          </button>
        </div>
      </div>
    </aside>
  );
}
