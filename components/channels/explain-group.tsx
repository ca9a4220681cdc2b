"use client";
// Explain for a group (GET /explain-group, read-only), on the group's detail page: its name
// against the target's, and its members now against the target's — who the next cycle
// adds and removes, and who never reaches the target and why.
import type { TGroupExplanation, TMemberRef } from "@/lib/channels/explain-group";
import type { Json } from "@/components/console/api";
import { Badge } from "@/components/ui/primitives";
import { ExplainCard } from "./explain-user";

type TExplanation = Json<TGroupExplanation>;

function Names({ list, label, tone }: { list: { count: number; sample: TMemberRef[] }; label: string; tone: "green" | "red" }) {
  if (list.count === 0) return null;
  return (
    <li>
      <Badge tone={tone}>{label}</Badge> {list.count}: {list.sample.map((m) => m.name ?? m.dn).join(", ")}
      {list.count > list.sample.length ? ` and ${list.count - list.sample.length} more` : ""}
    </li>
  );
}

export function GroupExplainPanel({ channelId, guid }: { channelId: number; guid: string }) {
  return (
    <ExplainCard<TExplanation> what="group" url={`/channels/${channelId}/explain-group?group=${encodeURIComponent(guid)}&by=guid`} queryKey={["explain-group", channelId, guid]}>
      {(ex) => (
        <>
          {ex.name.now !== null && (
            <p className="small" style={{ margin: 0 }} data-testid="explain-name">
              Name from the mapping: <strong>{ex.name.now}</strong>
              {ex.name.changed && (
                <>
                  {" "}
                  <Badge tone="violet">changed</Badge> the target has {ex.name.acknowledged}
                </>
              )}
            </p>
          )}
          {ex.members && (
            <div className="small" data-testid="explain-members">
              <div>
                Members ({ex.members.rule === "flatten" ? "users reachable through nested groups" : "direct members"}): {ex.members.directory} in the directory, {ex.members.desired} provisioned users who belong at
                the target, {ex.members.acknowledged} acknowledged there.
              </div>
              <ul className="od-log">
                <Names list={ex.members.toAdd} label="to add" tone="green" />
                <Names list={ex.members.toRemove} label="to remove" tone="red" />
                {ex.members.notSent.sample.map((m) => (
                  <li key={m.dn}>
                    <Badge tone="gray">not sent</Badge> <span className="break">{m.name ?? m.dn}</span>: {m.why}
                  </li>
                ))}
                {ex.members.notSent.count > ex.members.notSent.sample.length && <li className="muted">and {ex.members.notSent.count - ex.members.notSent.sample.length} more not sent</li>}
              </ul>
            </div>
          )}
        </>
      )}
    </ExplainCard>
  );
}
