// What an administrator is told about: a channel's health changed in a way that needs
// (or no longer needs) a person. Pure: a health change in, the events it raises out.
import type { THealthChange } from "../health/channel-health.ts";

export const ALERT_EVENTS = ["failing", "quarantined", "quarantine-ended", "held", "recovered"] as const;
export type TAlertEvent = (typeof ALERT_EVENTS)[number];

export const ALERT_EVENT_LABELS: Record<TAlertEvent | "test", string> = {
  failing: "starts failing",
  quarantined: "enters quarantine",
  "quarantine-ended": "leaves quarantine",
  held: "is held for approval",
  recovered: "recovers",
  test: "test",
};

const TROUBLE = new Set(["failing", "quarantined", "held", "degraded"]);

/** The events a change of health raises (none when nothing a person needs to know changed). */
export function eventsOf(change: Pick<THealthChange, "previous" | "current">): TAlertEvent[] {
  const from = change.previous;
  const to = change.current.state;
  if (from === to) return [];
  const out: TAlertEvent[] = [];
  if (to === "failing" && from !== "quarantined") out.push("failing");
  if (to === "quarantined") out.push("quarantined");
  if (from === "quarantined" && to !== "quarantined") out.push("quarantine-ended");
  if (to === "held") out.push("held");
  if (to === "healthy" && from !== null && TROUBLE.has(from)) out.push("recovered");
  return out;
}
