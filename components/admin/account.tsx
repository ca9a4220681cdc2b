"use client";
import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import { ROLE_DESCRIPTIONS, ROLE_LABELS } from "@/lib/auth/roles";
import { api } from "@/components/console/api";
import { RoleBadge } from "@/components/console/status";
import { useViewer } from "@/components/console/viewer-context";
import { Banner, Button, Card, Field, KeyValue, PageHead } from "@/components/ui/primitives";
import { useToast } from "@/components/ui/toasts";

export function Account({ required }: { required: boolean }) {
  const me = useViewer();
  const toast = useToast();
  const router = useRouter();
  const [cur, setCur] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const change = useMutation({
    mutationFn: () => api("/me/password", { method: "POST", body: { currentPassword: cur, newPassword: next } }),
    onSuccess: () => {
      toast("Password changed. Your other sessions have ended.");
      setCur("");
      setNext("");
      setAgain("");
      if (required) router.replace("/channels");
      router.refresh();
    },
  });
  const mismatch = again !== "" && again !== next;
  return (
    <>
      <PageHead title="Account" sub="Your console account." />
      {required && (
        <div style={{ marginBottom: 16 }}>
          <Banner tone="amber" title="Choose your own password">The password you signed in with was set for you. Change it to continue.</Banner>
        </div>
      )}
      <div className="grid-2">
        <Card title="You">
          <KeyValue
            items={[
              ["Name", me.displayName],
              ["User name", <code key="u">{me.username}</code>],
              ["Role", <span key="r"><RoleBadge role={me.role} /> <span className="muted small">{ROLE_DESCRIPTIONS[me.role]}</span></span>],
            ]}
          />
          <p className="muted small" style={{ marginBottom: 0 }}>Only an admin can change your role ({ROLE_LABELS[me.role]}).</p>
        </Card>
        <Card title="Change password">
          <form
            className="stack"
            onSubmit={(e) => {
              e.preventDefault();
              if (!mismatch) change.mutate();
            }}
          >
            <Field label="Current password" htmlFor="pw-cur">
              <input id="pw-cur" className="input" type="password" autoComplete="current-password" value={cur} onChange={(e) => setCur(e.target.value)} required />
            </Field>
            <Field label="New password" htmlFor="pw-new" hint="At least 10 characters, not containing your user name.">
              <input id="pw-new" className="input" type="password" autoComplete="new-password" value={next} onChange={(e) => setNext(e.target.value)} required />
            </Field>
            <Field label="New password again" htmlFor="pw-again" error={mismatch ? "The two passwords differ." : null}>
              <input id="pw-again" className="input" type="password" autoComplete="new-password" value={again} onChange={(e) => setAgain(e.target.value)} required />
            </Field>
            {change.isError && <Banner tone="red">{change.error.message}</Banner>}
            <div>
              <Button type="submit" variant="primary" loading={change.isPending} disabled={mismatch}>
                Change password
              </Button>
            </div>
          </form>
        </Card>
      </div>
    </>
  );
}
