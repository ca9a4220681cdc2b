"use client";
// Where users go: the SCIM service provider's base URL, how Ferry authenticates there and
// how it writes — and "Test target", which reads /ServiceProviderConfig and counts the
// users and groups already there (nothing is written).
import { useMutation } from "@tanstack/react-query";
import type { TTargetTestResult } from "@/lib/channels/test-target-connection";
import { api } from "@/components/console/api";
import { IconPlug } from "@/components/ui/icons";
import { Badge, Banner, Button, fmtNumber } from "@/components/ui/primitives";
import { numberFrom, targetTestBody, withAuthType, withTarget, type TAuthInput } from "./form-model";
import { Field, NumberInput, SecretField, Section, Select, type TSectionProps } from "./fields";

export function TargetSection({ form, update, error, channelId }: TSectionProps & { channelId: number | undefined }) {
  const t = form.channel.target;
  const a = t.auth;
  const set = (patch: Parameters<typeof withTarget>[1]) => update((f) => withTarget(f, patch));
  const setAuth = (auth: TAuthInput) => set({ auth });
  const test = useMutation({ mutationFn: () => api<TTargetTestResult>("/connection-tests/target", { method: "POST", body: targetTestBody(form, channelId) }) });

  return (
    <Section title="Target" intro="The SCIM 2.0 service provider: its base URL (/Users and /Groups are below it) and how Ferry authenticates.">
      <Field id="tgt-url" label="SCIM base URL" error={error("target.url")}>
        <input id="tgt-url" className="input mono" placeholder="https://app.example.com/scim/v2" value={t.url} onChange={(e) => set({ url: e.target.value })} />
      </Field>
      <div className="grid-2">
        <Field id="tgt-auth" label="Authentication">
          <Select
            id="tgt-auth"
            value={a.type}
            options={[
              ["bearer", "Bearer token"],
              ["basic", "HTTP basic"],
              ["oauth2", "OAuth 2.0 client credentials"],
            ]}
            onChange={(type) => update((f) => withAuthType(f, type))}
          />
        </Field>
        <Field id="tgt-patch" label="Updates with PATCH">
          <Select
            id="tgt-patch"
            value={t.usePatch ?? "auto"}
            options={[
              ["auto", "As the ServiceProviderConfig says"],
              ["always", "Always PATCH"],
              ["never", "Never (PUT)"],
            ]}
            onChange={(usePatch) => set({ usePatch })}
          />
        </Field>
        <Field
          id="tgt-matching"
          label="Matching users by userName"
          hint="Create first halves a first load's requests (it pays when each request is a slow round trip); use it only if the target refuses a second user with the same userName (409 uniqueness, as RFC 7643 requires)."
        >
          <Select
            id="tgt-matching"
            value={t.userMatching ?? "lookup-first"}
            options={[
              ["lookup-first", "Look the user up, then create"],
              ["create-first", "Create, link the existing user on 409"],
            ]}
            onChange={(userMatching) => set({ userMatching })}
          />
        </Field>
        <Field id="tgt-concurrency" label="Requests in flight" error={error("target.maxConcurrency")}>
          <NumberInput id="tgt-concurrency" min={1} max={64} value={t.maxConcurrency} onChange={(v) => set({ maxConcurrency: numberFrom(v) })} />
        </Field>
      </div>
      {a.type === "bearer" && (
        <SecretField id="tgt-token" label="Bearer token" value={a.token} editing={form.editing} error={error("target.auth.token")} onChange={(token) => setAuth({ ...a, token })} />
      )}
      {a.type === "basic" && (
        <div className="grid-2">
          <Field id="tgt-user" label="User" error={error("target.auth.username")}>
            <input id="tgt-user" className="input" value={a.username} onChange={(e) => setAuth({ ...a, username: e.target.value })} />
          </Field>
          <SecretField id="tgt-pass" label="Password" value={a.password} editing={form.editing} error={error("target.auth.password")} onChange={(password) => setAuth({ ...a, password })} />
        </div>
      )}
      {a.type === "oauth2" && (
        <>
          <Field id="tgt-tokenurl" label="Token URL" error={error("target.auth.tokenUrl")}>
            <input id="tgt-tokenurl" className="input mono" value={a.tokenUrl} onChange={(e) => setAuth({ ...a, tokenUrl: e.target.value })} />
          </Field>
          <div className="grid-3">
            <Field id="tgt-cid" label="Client id" error={error("target.auth.clientId")}>
              <input id="tgt-cid" className="input" value={a.clientId} onChange={(e) => setAuth({ ...a, clientId: e.target.value })} />
            </Field>
            <SecretField
              id="tgt-csecret"
              label="Client secret"
              value={a.clientSecret}
              editing={form.editing}
              error={error("target.auth.clientSecret")}
              onChange={(clientSecret) => setAuth({ ...a, clientSecret })}
            />
            <Field id="tgt-scope" label="Scope">
              <input id="tgt-scope" className="input" value={a.scope ?? ""} onChange={(e) => setAuth({ ...a, scope: e.target.value })} />
            </Field>
          </div>
        </>
      )}
      <div className="row">
        <Button onClick={() => test.mutate()} loading={test.isPending}>
          <IconPlug /> Test target
        </Button>
        <span className="muted small">Reads /ServiceProviderConfig and counts users and groups. Nothing is written.</span>
      </div>
      {test.isError && <Banner tone="red">{test.error.message}</Banner>}
      {test.data && <TargetResult r={test.data} />}
    </Section>
  );
}

function TargetResult({ r }: { r: TTargetTestResult }) {
  if (!r.ok) {
    return (
      <Banner tone="red" title={r.stage === "config" ? "The settings are not complete" : "The SCIM service could not be read"}>
        <span data-testid="target-test-error" style={{ whiteSpace: "pre-line" }}>
          {r.error}
        </span>
      </Banner>
    );
  }
  const c = r.capabilities;
  const yn = (b: boolean | null) => (b === null ? <Badge>not said</Badge> : b ? <Badge tone="green">yes</Badge> : <Badge>no</Badge>);
  return (
    <div data-testid="target-test-result">
      <Banner tone={r.warnings.length ? "amber" : "green"} title={r.discovery ? `Read the ServiceProviderConfig in ${r.elapsedMs} ms` : `Connected in ${r.elapsedMs} ms (no ServiceProviderConfig)`}>
        <div className="row-wrap" style={{ marginTop: 4 }}>
          PATCH {yn(c.patch)} Bulk {yn(c.bulk)} Filter {yn(c.filter)} Sort {yn(c.sort)} ETag {yn(c.etag)}
        </div>
        <div style={{ marginTop: 4 }}>
          The target holds <strong data-testid="users-at-target">{r.usersAtTarget === null ? "an unknown number of" : fmtNumber(r.usersAtTarget)}</strong> users and{" "}
          {r.groupsAtTarget === null ? "an unknown number of" : fmtNumber(r.groupsAtTarget)} groups.
          {r.authenticationSchemes.length > 0 && <> Authentication schemes: {r.authenticationSchemes.join(", ")}.</>}
        </div>
        {r.warnings.map((w) => (
          <div key={w}>⚠ {w}</div>
        ))}
      </Banner>
    </div>
  );
}
