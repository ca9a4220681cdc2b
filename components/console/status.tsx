// How states look everywhere in the console: one mapping from a state to a badge.
import { HEALTH_LABELS, type THealthState } from "@/lib/health/channel-health";
import { Badge, type TTone } from "@/components/ui/primitives";

const HEALTH_TONES: Record<THealthState, TTone> = {
  healthy: "green",
  degraded: "amber",
  failing: "red",
  quarantined: "red",
  held: "red",
  inactive: "gray",
  pending: "gray",
};

/** A channel's health (lib/health/channel-health.ts), with why as its tooltip. */
export function HealthBadge({ state, reason }: { state: string; reason?: string }) {
  const s = (state in HEALTH_TONES ? state : "pending") as THealthState;
  return (
    <Badge tone={HEALTH_TONES[s]} dot title={reason} testId="channel-health">
      {HEALTH_LABELS[s]}
    </Badge>
  );
}

const CYCLE: Record<string, [TTone, string]> = {
  SUCCESS: ["green", "Success"],
  PARTIAL: ["amber", "Partial"],
  FAILED: ["red", "Failed"],
  RUNNING: ["blue", "Running"],
  // its process died mid-cycle (killed, declared dead, lease taken over): the message says which
  ABORTED: ["red", "Aborted"],
};

export function CycleBadge({ status, running }: { status: string | null | undefined; running?: boolean }) {
  if (running) return <Badge tone="blue" dot pulse>Running</Badge>;
  if (!status) return <Badge tone="gray">Never run</Badge>;
  const [tone, label] = CYCLE[status] ?? ["gray", status];
  return <Badge tone={tone} dot>{label}</Badge>;
}

/** One badge for a channel and its connection (both must be active for cycles to run). */
export function ChannelStatusBadge({ channel, connection }: { channel: boolean; connection: boolean }) {
  if (channel && connection) return <Badge tone="green" dot title="Channel and connection active">Active</Badge>;
  if (!channel && !connection) return <Badge tone="gray" dot title="Channel and connection inactive">Inactive</Badge>;
  return <Badge tone="gray" dot>{channel ? "Connection inactive" : "Channel inactive"}</Badge>;
}

export function ActiveBadge({ active, what }: { active: boolean; what?: string }) {
  return <Badge tone={active ? "green" : "gray"} dot>{what ? `${what} ` : ""}{active ? "active" : "inactive"}</Badge>;
}

const TARGET: Record<string, [TTone, string]> = {
  ACTIVE: ["green", "Provisioned"],
  INACTIVE: ["amber", "Disabled at target"],
  ABSENT: ["gray", "Not at target"],
};
export function TargetBadge({ state }: { state: string }) {
  const [tone, label] = TARGET[state] ?? ["gray", state];
  return <Badge tone={tone}>{label}</Badge>;
}

const SOURCE: Record<string, [TTone, string]> = {
  IN_SCOPE: ["blue", "In scope"],
  DISABLED: ["amber", "Disabled in directory"],
  OUT_OF_SCOPE: ["gray", "Left the scope"],
  DELETED: ["red", "Deleted in directory"],
};
export function SourceBadge({ state }: { state: string }) {
  const [tone, label] = SOURCE[state] ?? ["gray", state];
  return <Badge tone={tone}>{label}</Badge>;
}

export function DirtyBadge({ dirty, action, error }: { dirty: boolean; action?: string; error?: string | null }) {
  if (!dirty) return null;
  return (
    <Badge tone={error ? "red" : "violet"} title={error ?? undefined}>
      {error ? "Failing" : "Dirty"}
      {action && action !== "NONE" ? ` · ${action.toLowerCase()}` : ""}
    </Badge>
  );
}

export function ModeBadge({ mode }: { mode: string }) {
  return <Badge tone={mode === "ACTIVE" ? "green" : "amber"} dot>{mode}</Badge>;
}

export function NodeStatusBadge({ status }: { status: string }) {
  const tone: TTone = status === "RUNNING" ? "green" : status === "UNRESPONSIVE" ? "red" : status === "STOPPED" ? "gray" : "blue";
  return <Badge tone={tone} dot>{status}</Badge>;
}

export function RoleBadge({ role }: { role: string }) {
  const tone: TTone = role === "admin" ? "violet" : role === "operator" ? "blue" : "gray";
  return <Badge tone={tone}>{role}</Badge>;
}
