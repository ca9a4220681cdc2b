"use client";
// "Preview a user" under the mapping: one directory user (a name, DN or GUID) through the
// mapping as the form holds it, before anything is saved — the values, the resource a
// create sends, and the PATCH an update would send against what the target holds now
// (POST /channels/{id}/mapping-preview, or /channels/mapping-preview for a new channel).
import { useMutation } from "@tanstack/react-query";
import { useState } from "react";
import { api } from "@/components/console/api";
import type { TMappingPreview } from "@/lib/channels/preview-mapping";
import { Badge, Banner, Button } from "@/components/ui/primitives";
import { problemText, saveBody, type TChannelForm } from "./form-model";

const json = (v: unknown) => JSON.stringify(v, null, 2);

function TargetState({ p }: { p: TMappingPreview }) {
  const t = p.target;
  if (t.state === "absent") return <Badge>not at the target: a cycle would create it</Badge>;
  if (t.state === "unreachable") return <Badge tone="amber">target not reachable: {t.error}</Badge>;
  return (
    <span className="small">
      <Badge tone="green">at the target</Badge> <code style={{ overflowWrap: "anywhere" }}>{t.id}</code>
    </span>
  );
}

export function MappingPreview({ form, channelId }: { form: TChannelForm; channelId: number | undefined }) {
  const [user, setUser] = useState("");
  const preview = useMutation({
    mutationFn: () =>
      api<TMappingPreview>(channelId !== undefined ? `/channels/${channelId}/mapping-preview` : "/channels/mapping-preview", {
        method: "POST",
        body: { ...saveBody(form), user },
      }),
  });
  const p = preview.data;
  return (
    <div className="stack" data-testid="mapping-preview">
      <div className="row" style={{ flexWrap: "wrap" }}>
        <input
          className="input"
          style={{ maxWidth: 340 }}
          aria-label="Directory user to preview"
          placeholder="a user name, DN or GUID"
          value={user}
          onChange={(e) => setUser(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === "Enter" && user.trim()) {
              e.preventDefault();
              preview.mutate();
            }
          }}
        />
        <Button size="sm" onClick={() => preview.mutate()} loading={preview.isPending} disabled={!user.trim()}>
          Preview user
        </Button>
        <span className="muted small">The mapping as edited, for one user; nothing is saved or sent.</span>
      </div>
      {preview.isError && (
        <Banner tone="red" title="No preview">
          <span style={{ whiteSpace: "pre-line" }}>{problemText(preview.error.message)}</span>
        </Banner>
      )}
      {p && (
        <div className="stack">
          <div className="row" style={{ flexWrap: "wrap" }}>
            <code className="small" style={{ overflowWrap: "anywhere" }}>{p.user.dn}</code>
            <TargetState p={p} />
          </div>
          {p.error && (
            <Banner tone="amber" title="A value cannot be computed for this user">
              {p.error}: a cycle would keep this user dirty with this error and send nothing for them.
            </Banner>
          )}
          <div className="grid-2">
            <div>
              <div className="small muted">The resource a create sends</div>
              <pre className="code-block" data-testid="preview-resource">{json(p.resource)}</pre>
            </div>
            <div>
              <div className="small muted">{p.target.state === "held" ? "The PATCH an update sends against what the target holds" : "No PATCH: the target does not hold this user"}</div>
              <pre className="code-block" data-testid="preview-patch">{p.target.state === "held" ? (p.patch.length ? json(p.patch) : "nothing differs") : "—"}</pre>
            </div>
          </div>
        </div>
      )}
    </div>
  );
}
