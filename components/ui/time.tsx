"use client";
// "3 min ago" that keeps itself current, with the exact time on hover.
import { useEffect, useState } from "react";

export function relative(iso: string | Date, now = Date.now()): string {
  const t = typeof iso === "string" ? Date.parse(iso) : iso.getTime();
  const s = Math.round((now - t) / 1000);
  const abs = Math.abs(s);
  const fmt = (n: number, u: string) => `${n} ${u}${n === 1 ? "" : "s"}`;
  let out: string;
  // a few seconds "in the future" is clock skew between server and browser
  if (abs < 5 || (s < 0 && abs < 60)) return "just now";
  if (abs < 60) out = fmt(abs, "second");
  else if (abs < 3600) out = fmt(Math.round(abs / 60), "minute");
  else if (abs < 86400) out = fmt(Math.round(abs / 3600), "hour");
  else out = fmt(Math.round(abs / 86400), "day");
  return s >= 0 ? `${out} ago` : `in ${out}`;
}

export function absolute(iso: string | Date): string {
  const d = typeof iso === "string" ? new Date(iso) : iso;
  return d.toISOString().replace("T", " ").slice(0, 19) + " UTC";
}

export function Time({ value, mode = "relative" }: { value: string | Date | null | undefined; mode?: "relative" | "absolute" }) {
  const [now, setNow] = useState<number | null>(null);
  useEffect(() => {
    setNow(Date.now());
    const t = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(t);
  }, []);
  if (!value) return <span className="muted">—</span>;
  const abs = absolute(value);
  return (
    <time dateTime={typeof value === "string" ? value : value.toISOString()} title={abs} className="nowrap">
      {mode === "absolute" || now === null ? abs : relative(value, Math.max(now, Date.now()))}
    </time>
  );
}
