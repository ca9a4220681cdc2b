"use client";
// Where users go: the SCIM service provider's base URL, its profile (what kind of target
// it is: lib/scim/profiles.ts), how Ferry authenticates there and how it writes — and
// "Test target", which reads /ServiceProviderConfig, counts the users and groups already
// there and probes what the target really does (harmless requests; nothing is written).
import { useMutation } from "@tanstack/react-query";
import { TARGET_PROFILES, type TTargetProfile } from "@/lib/channel-config/config";
import { resolveTargetProfile, TARGET_PROFILE_DATA } from "@/lib/scim/profiles";
import type { TTargetTestResult } from "@/lib/channels/test-target-connection";
import { api } from "@/components/console/api";
import { IconPlug } from "@/components/ui/icons";
import { Badge, Banner, Button, fmtNumber } from "@/components/ui/primitives";
import { numberFrom, targetTestBody, withAuthType, withProfile, withTarget, type TAuthInput } from "./form-model";
import { Field, NumberInput, SecretField, Section, Select, type TSectionProps } from "./fields";

export function TargetSection({ form, update, error, channelId }: TSectionProps & { channelId: number | undefined }) {
  const t = form.channel.target;
  const a = t.auth;
  const set = (patch: Parameters<typeof withTarget>[1]) => update((f) => withTarget(f, patch));
  const setAuth = (auth: TAuthInput) => set({ auth });
  const test = useMutation({ mutationFn: () => api<TTargetTestResult>("/connection-tests/target", { method: "POST", body: targetTestBody(form, channelId) }) });
  const profile = resolveTargetProfile({ profile: t.profile, membersPerPatch: undefined, pageSize: undefined, rateLimit: undefined });
  const setProfile = (p: TTargetProfile) => update((f) => withProfile(f, p));

  return (
    <Section title="Target" intro="The SCIM 2.0 service provider: its base URL (/Users and /Groups are below it) and how Ferry authenticates.">
      <Field id="tgt-url" label="SCIM base URL" error={error("target.url")}>
        <input id="tgt-url" className="input mono" placeholder="https://app.example.com/scim/v2" value={t.url} onChange={(e) => set({ url: e.target.value })} />
      </Field>
      <div className="grid-2">
        <Field
          id="tgt-profile"
          label="Target profile"
          hint={
            <>
              {profile.data.notes[0] ?? "Page size, members per request, rate limit and deprovisioning rules of this kind of target."}{" "}
              <a href={profile.data.docs.startsWith("http") ? profile.data.docs : undefined} target="_blank" rel="noreferrer">
                Source
              </a>
            </>
          }
        >
          <Select id="tgt-profile" value={t.profile ?? "generic"} options={TARGET_PROFILES.map((p) => [p, TARGET_PROFILE_DATA[p].label] as const)} onChange={setProfile} />
        </Field>
        <Field id="tgt-members" label="Members per request" hint={`Left empty: the profile's ${profile.membersPerPatch}.`} error={error("target.membersPerPatch")}>
          <NumberInput id="tgt-members" min={1} max={10000} value={t.membersPerPatch} placeholder={String(profile.membersPerPatch)} onChange={(v) => set({ membersPerPatch: numberFrom(v) })} />
        </Field>
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
          hint="Inventory lists the target's users once before a first load and matches them here (userName, then externalId, then e-mail): each new user is one create. Create first also costs one request per user; use it only if the target refuses a second user with the same userName (409 uniqueness, as RFC 7643 requires)."
        >
          <Select
            id="tgt-matching"
            value={t.userMatching ?? "inventory"}
            options={[
              ["inventory", "List the target once on a first load, then create"],
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
        <span className="muted small">Reads /ServiceProviderConfig, /Schemas and /ResourceTypes, counts users and groups, tries filters, paging and PATCH. Nothing is written.</span>
      </div>
      {test.isError && <Banner tone="red">{test.error.message}</Banner>}
      {test.data && <TargetResult r={test.data} onUseProfile={setProfile} />}
    </Section>
  );
}

function TargetResult({ r, onUseProfile }: { r: TTargetTestResult; onUseProfile: (p: TTargetProfile) => void }) {
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
      <ProbeFindings r={r} onUseProfile={onUseProfile} />
    </div>
  );
}

/** What the harmless requests found, and the profile the target looks like. */
function ProbeFindings({ r, onUseProfile }: { r: Extract<TTargetTestResult, { ok: true }>; onUseProfile: (p: TTargetProfile) => void }) {
  const p = r.probe;
  const yn = (b: boolean | null) => (b === null ? <Badge>not said</Badge> : b ? <Badge tone="green">yes</Badge> : <Badge tone="amber">no</Badge>);
  const s = r.suggestedProfile;
  return (
    <div className="stack" style={{ marginTop: 12 }} data-testid="target-probe">
      <dl className="kv">
        <dt>/Schemas</dt>
        <dd>{p.schemas === null ? <Badge tone="amber">missing</Badge> : `${p.schemas.length} schemas`}</dd>
        <dt>/ResourceTypes</dt>
        <dd>{p.resourceTypes === null ? <Badge tone="amber">missing</Badge> : p.resourceTypes.join(", ")}</dd>
        <dt>Required user attributes</dt>
        <dd className="mono">{p.requiredUserAttributes.join(", ") || "—"}</dd>
        <dt>Filters</dt>
        <dd>
          eq {yn(p.filters.eq)} and {yn(p.filters.and)}
        </dd>
        <dt>Paging</dt>
        <dd>
          startIndex {yn(p.paging.startIndex)}
          {p.paging.maxPageSize !== null && <> · at most {p.paging.maxPageSize} per page</>}
        </dd>
        <dt>PATCH</dt>
        <dd>{yn(p.patch)}</dd>
        <dt>Effective</dt>
        <dd data-testid="probe-effective">
          {TARGET_PROFILE_DATA[r.effective.profile as TTargetProfile]?.label ?? r.effective.profile}: {r.effective.membersPerPatch} members per request
          {r.effective.learnedMembersPerPatch !== null && " (learned from the target)"}, pages of {r.effective.pageSize}
          {r.effective.rateLimit && <> · rate limit {JSON.stringify(r.effective.rateLimit)}</>}
        </dd>
      </dl>
      <div className="row-wrap">
        <span data-testid="suggested-profile">
          Looks like <strong>{s.label}</strong> <span className="muted small">({s.why})</span>
        </span>
        {s.profile !== r.effective.profile && (
          <Button onClick={() => onUseProfile(s.profile)}>Use this profile</Button>
        )}
      </div>
    </div>
  );
}
