"use client";
import Link from "next/link";
import { usePathname } from "next/navigation";
import type { ReactNode } from "react";

export function Tabs({ items }: { items: Array<{ href: string; label: ReactNode; exact?: boolean; count?: number | null; countTone?: "red" }> }) {
  const path = usePathname();
  return (
    <nav className="tabs" aria-label="Sections">
      {items.map((t) => {
        const active = t.exact ? path === t.href : path === t.href || path.startsWith(`${t.href}/`);
        return (
          <Link key={t.href} href={t.href} className={active ? "active" : ""} aria-current={active ? "page" : undefined}>
            {t.label}
            {t.count !== undefined && t.count !== null && <span className={`count${t.countTone ? ` ${t.countTone}` : ""}`}>{t.count.toLocaleString("en-US")}</span>}
          </Link>
        );
      })}
    </nav>
  );
}
