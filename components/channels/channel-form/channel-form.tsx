"use client";
// Create or edit a channel: the channel itself, its source (with "Test connection"), its
// target (with "Test target"), the attribute mapping and the options. The form holds
// the channel in the API's own input type (form-model.ts) and sends it as PUT or POST
// /channels take it; the server validates it with the same schema. Secrets are never
// sent to the page: on edit, a secret field left empty keeps the stored secret. On edit,
// "Preview changes" shows the plan of the next cycle as it would be with the form's
// values, before anything is saved (POST /channels/{id}/plan); on a new channel, "Preview"
// shows its first cycle — whom it would create — before it is (POST /channels/plan).
// "Preview user" under the mapping shows one directory user through it
// (mapping-preview.tsx). A save whose mapping could not be checked against the target's
// /Schemas says so.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { api, ApiError } from "@/components/console/api";
import { Banner, Button, Card } from "@/components/ui/primitives";
import { useToast } from "@/components/ui/toasts";
import { PlanDetails, retryWhileCycleRuns, type TPlanView } from "../cycle-plan";
import type { TOverview } from "../use-channel";
import { ChannelSection } from "./channel-section";
import { channelFormFrom, issuesByField, newChannelForm, problemText, saveBody, type TChannelForm } from "./form-model";
import { MappingPreview } from "./mapping-preview";
import { MappingSection } from "./mapping-section";
import { OptionsSection } from "./options-section";
import { SourceSection } from "./source-section";
import { TargetSection } from "./target-section";

export function ChannelForm({ channel }: { channel?: TOverview }) {
  const editing = channel !== undefined;
  const router = useRouter();
  const qc = useQueryClient();
  const toast = useToast();
  const [form, setForm] = useState<TChannelForm>(() => (channel ? channelFormFrom(channel) : newChannelForm()));
  const [issues, setIssues] = useState<Record<string, string>>({});
  const sectionProps = { form, update: (change: (f: TChannelForm) => TChannelForm) => setForm(change), error: (path: string) => issues[path] };

  const save = useMutation({
    mutationFn: () =>
      editing
        ? api<{ id: number; name: string; warnings?: string[] }>(`/channels/${channel.id}`, { method: "PUT", body: saveBody(form) })
        : api<{ id: number; name: string; warnings?: string[] }>("/channels", { method: "POST", body: saveBody(form) }),
    onSuccess: (r) => {
      const warned = r.warnings?.length ? ` Note: ${r.warnings.join(" ")}` : "";
      toast((editing ? `Channel "${r.name}" saved.` : `Channel "${r.name}" created. The worker starts its first cycle in a few seconds.`) + warned);
      void qc.invalidateQueries({ queryKey: ["channels"] });
      void qc.invalidateQueries({ queryKey: ["channel", r.id] });
      router.push(`/channels/${r.id}`);
    },
    onError: (e) => {
      setIssues(issuesByField(e instanceof ApiError ? e.details?.issues : undefined));
      window.scrollTo({ top: 0, behavior: "smooth" });
    },
  });

  const preview = useMutation({
    mutationFn: () =>
      api<TPlanView & { scopeChanged?: boolean; rulesChanged?: boolean }>(editing ? `/channels/${channel.id}/plan` : "/channels/plan", {
        method: "POST",
        body: saveBody(form),
        query: { limit: 20 },
      }),
    retry: retryWhileCycleRuns,
    retryDelay: 2_000,
    onError: (e) => setIssues(issuesByField(e instanceof ApiError ? e.details?.issues : undefined)),
  });

  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        save.mutate();
      }}
      aria-label={editing ? "Edit channel" : "New channel"}
    >
      {save.isError && (
        <div style={{ marginBottom: 16 }}>
          <Banner tone="red" title="The channel was not saved">
            <span style={{ whiteSpace: "pre-line" }}>{problemText(save.error.message)}</span>
          </Banner>
        </div>
      )}
      <Card>
        <ChannelSection {...sectionProps} />
        <SourceSection {...sectionProps} channelId={channel?.id} />
        <TargetSection {...sectionProps} channelId={channel?.id} />
        <MappingSection {...sectionProps} preview={<MappingPreview form={form} channelId={channel?.id} />} />
        <OptionsSection {...sectionProps} />
        <div className="row" style={{ paddingTop: 16, flexWrap: "wrap" }}>
          <span className="spacer" />
          <Link className="btn" href={editing ? `/channels/${channel.id}` : "/channels"}>
            Cancel
          </Link>
          <Button onClick={() => preview.mutate()} loading={preview.isPending} data-testid="preview-changes">
            {editing ? "Preview changes" : "Preview"}
          </Button>
          <Button type="submit" variant="primary" loading={save.isPending}>
            {editing ? "Save changes" : "Create channel"}
          </Button>
        </div>
      </Card>
      {(preview.isError || preview.data) && (
        <div className="stack" style={{ marginTop: 16 }} data-testid="edit-preview">
          <h2 style={{ margin: 0, fontSize: 16 }}>{editing ? "The next cycle with these changes (not saved)" : "The first cycle of this channel (not created)"}</h2>
          {preview.isError ? (
            <Banner tone="red" title="No preview">
              <span style={{ whiteSpace: "pre-line" }}>{problemText(preview.error.message)}</span>
            </Banner>
          ) : (
            preview.data && (
              <>
                <p className="muted small" style={{ margin: 0 }}>
                  {preview.data.scopeChanged ? "The scope changes: the next cycle reads it in full. " : ""}
                  {preview.data.rulesChanged ? "The mapping or options change: the next cycle looks at every user again. " : ""}
                  {editing ? "Nothing was saved or sent; save to make it so." : "Nothing was created or sent; the target may already hold some of them: the first cycle matches those by userName instead of creating them."}
                </p>
                <PlanDetails plan={preview.data} />
              </>
            )
          )}
        </div>
      )}
    </form>
  );
}
