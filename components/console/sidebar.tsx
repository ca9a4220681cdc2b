"use client";
// The console's navigation: a sidebar on wide screens; on phones (≤ 760 px, globals.css)
// a top bar whose Menu button opens the links and the account below it, closed again by
// following a link.
import { useEffect, useState } from "react";
import Link from "next/link";
import { usePathname } from "next/navigation";
import { signOut } from "next-auth/react";
import { ROLE_LABELS } from "@/lib/auth/roles";
import { IconAudit, IconBook, IconChannels, IconAlert, IconKey, IconLogo, IconNodes, IconUsers } from "@/components/ui/icons";
import { useViewer } from "./viewer-context";
import { IconMenu } from "@/components/ui/icons";

export function Sidebar() {
  const path = usePathname();
  const viewer = useViewer();
  const [open, setOpen] = useState(false);
  // a link followed (or back/forward): the phone menu closes
  useEffect(() => setOpen(false), [path]);
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
    <aside className={`sidebar${open ? " open" : ""}`}>
      <div className="brand">
        <IconLogo />
        <div>
          Ferry
          <small>LDAP → SCIM provisioning</small>
        </div>
        <button type="button" className="menu-toggle" aria-expanded={open} aria-controls="console-nav" onClick={() => setOpen((o) => !o)}>
          <IconMenu size={18} />
          Menu
        </button>
      </div>
      <nav className="nav" id="console-nav" aria-label="Main">
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
