"use client";
// A channel in quarantine (failing cycles in a row): why, until when, and for an operator
// "try now", which clears the quarantine and runs a cycle (the same operation as
// provmgr -c ID --release-quarantine).
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api } from "@/components/console/api";
import { useViewer } from "@/components/console/viewer-context";
import { Banner, Button } from "@/components/ui/primitives";
import { Time } from "@/components/ui/time";
import { useToast } from "@/components/ui/toasts";
import type { TOverview } from "./use-channel";

export function QuarantineBanner({ c }: { c: TOverview }) {
  const viewer = useViewer();
  const qc = useQueryClient();
  const toast = useToast();
  const release = useMutation({
    mutationFn: () => api(`/channels/${c.id}/operations/release-quarantine`, { method: "POST", body: {} }),
    onSuccess: () => {
      toast("Released from quarantine: a cycle runs now.");
      void qc.invalidateQueries({ queryKey: ["channel", c.id] });
      void qc.invalidateQueries({ queryKey: ["channels"] });
    },
    onError: (e) => toast((e as Error).message, "error"),
  });
  if (c.health.state !== "quarantined") return null;
  return (
    <Banner
      tone="red"
      title="Quarantined after failing cycles in a row"
      action={
        viewer.can("operator") ? (
          <Button size="sm" variant="danger-outline" loading={release.isPending} onClick={() => release.mutate()} data-testid="release-quarantine">
            Try now
          </Button>
        ) : undefined
      }
    >
      <span data-testid="quarantine-reason">{c.health.reason.replace(/\.?$/, ".")}</span>
      {c.health.quarantineUntil && (
        <>
          {" "}
          The next cycle runs <Time value={c.health.quarantineUntil} />; one that succeeds ends the quarantine.
        </>
      )}
    </Banner>
  );
}
