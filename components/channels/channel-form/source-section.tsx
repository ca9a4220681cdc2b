"use client";
// Where users come from: the directory, the account Ferry binds with, which users and
// groups are in scope — and "Test connection", which binds with these settings and
// counts the users in scope (nothing is written).
import { useMutation } from "@tanstack/react-query";
import { DIRECTORY_TYPES, type TDirectoryType } from "@/lib/channel-config/config";
import { DIRECTORY_DEFAULTS } from "@/lib/channel-config/directory-defaults";
import type { TSourceTestResult } from "@/lib/channels/test-source-connection";
import { api } from "@/components/console/api";
import { IconPlug } from "@/components/ui/icons";
import { Badge, Banner, Button, fmtNumber } from "@/components/ui/primitives";
import { disabledChoice, sourceTestBody, withDirectoryType, withDisabledChoice, withSource, type TDisabledChoice } from "./form-model";
import { Check, Field, SecretField, Section, Select, type TSectionProps } from "./fields";

const DIRECTORY_NAMES: Record<TDirectoryType, string> = {
  openldap: "OpenLDAP",
  "active-directory": "Active Directory",
  "389ds": "389 Directory Server",
  generic: "Other LDAP directory",
};

const CHANGE_CAPTURE_OPTIONS = [
  ["auto", "Auto (the best the directory offers)"],
  ["syncrepl", "Content synchronisation (OpenLDAP syncprov)"],
  ["changelog", "Retro changelog (389-DS)"],
  ["timestamp", "Modification timestamps"],
] as const;
const SYNC_MODE_OPTIONS = [
  ["poll", "Poll at the sync frequency"],
  ["push", "Push: watch the directory"],
] as const;

export function SourceSection({ form, update, error, channelId }: TSectionProps & { channelId: number | undefined }) {
  const s = form.channel.source;
  const defaults = DIRECTORY_DEFAULTS[s.directoryType ?? "openldap"];
  const set = (patch: Parameters<typeof withSource>[1]) => update((f) => withSource(f, patch));
  const test = useMutation({ mutationFn: () => api<TSourceTestResult>("/connection-tests/source", { method: "POST", body: sourceTestBody(form, channelId) }) });
  const d = s.disabled;
  const defaultDisabled = defaults.disabled.kind === "none" ? "not read" : defaults.disabled.kind === "ad-uac" ? "userAccountControl" : defaults.disabled.attribute;
  const disabledOptions: Array<[TDisabledChoice, string]> = [
    ["default", `The directory type's default (${defaultDisabled})`],
    ["none", "Not read (nobody is disabled)"],
    ["ad-uac", "Active Directory userAccountControl (0x2)"],
    ["attribute", "An attribute holding a value"],
  ];

  return (
    <Section title="Source" intro="Where users come from: the directory, the account Ferry binds with, and which users and groups are in scope.">
      <div className="grid-2">
        <Field id="src-type" label="Directory type" hint="Sets the defaults below (GUID, timestamp, disabled flag, mapping).">
          <Select id="src-type" value={s.directoryType ?? "openldap"} options={DIRECTORY_TYPES.map((t) => [t, DIRECTORY_NAMES[t]] as const)} onChange={(t) => update((f) => withDirectoryType(f, t))} />
        </Field>
        <Field id="src-url" label="Directory URL" hint="ldap://host:389 or ldaps://host:636" error={error("source.url")}>
          <input id="src-url" className="input mono" placeholder="ldap://directory.example.com:389" value={s.url} onChange={(e) => set({ url: e.target.value })} />
        </Field>
      </div>
      <div className="row-wrap" style={{ gap: 20 }}>
        <Check id="src-starttls" checked={s.startTls ?? false} onChange={(v) => set({ startTls: v })} label="StartTLS" />
        <Check id="src-verify" checked={s.rejectUnauthorized ?? true} onChange={(v) => set({ rejectUnauthorized: v })} label="Verify the server's certificate" />
      </div>
      <Field
        id="src-tlsname"
        label="Certificate name (optional)"
        hint="When the URL names an IP address or an alias: the name the directory's certificate carries, e.g. dc1.corp.example.com."
        error={error("source.tlsServername")}
      >
        <input id="src-tlsname" className="input mono" placeholder="dc1.corp.example.com" value={s.tlsServername ?? ""} onChange={(e) => set({ tlsServername: e.target.value })} />
      </Field>
      <div className="grid-2">
        <Field id="src-binddn" label="Bind DN" hint={"A DN; for Active Directory also user@domain or DOMAIN\\user."} error={error("source.bindDn")}>
          <input id="src-binddn" className="input mono" placeholder="cn=ferry,ou=system,dc=example,dc=com" value={s.bindDn} onChange={(e) => set({ bindDn: e.target.value })} />
        </Field>
        <SecretField id="src-bindpw" label="Bind password" value={s.bindPassword} editing={form.editing} error={error("source.bindPassword")} onChange={(v) => set({ bindPassword: v })} />
      </div>
      <Field id="src-base" label="Base DN" hint="Users are searched below this entry." error={error("source.baseDn")}>
        <input id="src-base" className="input mono" placeholder="ou=people,dc=example,dc=com" value={s.baseDn} onChange={(e) => set({ baseDn: e.target.value })} />
      </Field>
      <div className="field">
        <span className="label">Users in scope</span>
        <div className="segmented" role="group" aria-label="Users in scope">
          <button type="button" className={form.scope === "group" ? "on" : ""} onClick={() => update((f) => ({ ...f, scope: "group" }))}>
            Members of a group
          </button>
          <button type="button" className={form.scope === "filter" ? "on" : ""} onClick={() => update((f) => ({ ...f, scope: "filter" }))}>
            Matching an LDAP filter
          </button>
        </div>
      </div>
      {form.scope === "group" ? (
        <Field id="src-groupdn" label="Provisioning group DN" hint="Users who are members of this group are provisioned." error={error("source.groupDn")}>
          <input id="src-groupdn" className="input mono" placeholder="cn=app-users,ou=groups,dc=example,dc=com" value={s.groupDn ?? ""} onChange={(e) => set({ groupDn: e.target.value })} />
        </Field>
      ) : (
        <Field id="src-filter" label="User filter" hint="Users below the base DN that match are provisioned." error={error("source.filter")}>
          <input id="src-filter" className="input mono" placeholder="(departmentNumber=42)" value={s.filter ?? ""} onChange={(e) => set({ filter: e.target.value })} />
        </Field>
      )}
      <div className="grid-3">
        <Field id="src-guid" label="GUID attribute" hint={`Default: ${defaults.guid}`} error={error("source.guidAttribute")}>
          <input id="src-guid" className="input mono" placeholder={defaults.guid} value={s.guidAttribute ?? ""} onChange={(e) => set({ guidAttribute: e.target.value })} />
        </Field>
        <Field id="src-ts" label="Timestamp attribute" hint={`Default: ${defaults.timestamp}`}>
          <input id="src-ts" className="input mono" placeholder={defaults.timestamp} value={s.timestampAttribute ?? ""} onChange={(e) => set({ timestampAttribute: e.target.value })} />
        </Field>
        <Field id="src-uof" label="User object filter" hint={`Default: ${defaults.userObjectFilter}`} error={error("source.userObjectFilter")}>
          <input id="src-uof" className="input mono" placeholder={defaults.userObjectFilter} value={s.userObjectFilter ?? ""} onChange={(e) => set({ userObjectFilter: e.target.value })} />
        </Field>
      </div>
      <div className="grid-3">
        <Field id="src-dis" label="Disabled users are read from">
          <Select id="src-dis" value={disabledChoice(d)} options={disabledOptions} onChange={(choice) => update((f) => withDisabledChoice(f, choice))} />
        </Field>
        {d?.kind === "attribute" && (
          <>
            <Field id="src-disattr" label="Disabled attribute" error={error("source.disabled.attribute")}>
              <input id="src-disattr" className="input mono" placeholder="nsAccountLock" value={d.attribute} onChange={(e) => set({ disabled: { ...d, attribute: e.target.value } })} />
            </Field>
            <Field id="src-disval" label="…when it holds" error={error("source.disabled.value")}>
              <input id="src-disval" className="input mono" placeholder="true" value={d.value} onChange={(e) => set({ disabled: { ...d, value: e.target.value } })} />
            </Field>
          </>
        )}
      </div>
      <Check id="src-groups" checked={form.groupsOn} onChange={(v) => update((f) => ({ ...f, groupsOn: v }))} label="Provision groups" hint="Create, rename and re-member the groups matching a filter." />
      {form.groupsOn && (
        <div className="grid-3">
          <Field id="src-gfilter" label="Group filter" error={error("source.groupFilter")}>
            <input id="src-gfilter" className="input mono" placeholder="(objectClass=groupOfNames)" value={s.groupFilter ?? ""} onChange={(e) => set({ groupFilter: e.target.value })} />
          </Field>
          <Field id="src-gbase" label="Group base DN" hint="Default: the base DN" error={error("source.groupBaseDn")}>
            <input id="src-gbase" className="input mono" placeholder="ou=groups,dc=example,dc=com" value={s.groupBaseDn ?? ""} onChange={(e) => set({ groupBaseDn: e.target.value })} />
          </Field>
          <Field id="src-gname" label="Group name attribute">
            <input id="src-gname" className="input mono" value={s.groupNameAttribute ?? ""} onChange={(e) => set({ groupNameAttribute: e.target.value })} />
          </Field>
        </div>
      )}
      <div className="grid-2">
        <Field id="src-capture" label="Change capture" hint="How incremental cycles learn what changed. Auto: content synchronisation (syncprov) on OpenLDAP, else timestamps.">
          <Select
            id="src-capture"
            value={s.changeCapture ?? "auto"}
            options={CHANGE_CAPTURE_OPTIONS}
            onChange={(v) => set({ changeCapture: v })}
          />
        </Field>
        <Field id="src-syncmode" label="Sync mode" hint="Push: a worker watches the directory and runs a cycle within seconds of a change.">
          <Select id="src-syncmode" value={s.syncMode ?? "poll"} options={SYNC_MODE_OPTIONS} onChange={(v) => set({ syncMode: v })} />
        </Field>
      </div>
      <div className="row">
        <Button onClick={() => test.mutate()} loading={test.isPending}>
          <IconPlug /> Test connection
        </Button>
        <span className="muted small">Binds and counts the users in scope. Nothing is written.</span>
      </div>
      {test.isError && <Banner tone="red">{test.error.message}</Banner>}
      {test.data && <SourceResult r={test.data} />}
    </Section>
  );
}

function SourceResult({ r }: { r: TSourceTestResult }) {
  if (!r.ok) {
    return (
      <Banner tone="red" title={r.stage === "config" ? "The settings are not complete" : r.stage === "connect" ? "Could not connect and bind" : "Connected, but the search failed"}>
        <span data-testid="source-test-error" style={{ whiteSpace: "pre-line" }}>
          {r.error}
        </span>
      </Banner>
    );
  }
  return (
    <div className="stack-sm" data-testid="source-test-result">
      <Banner tone={r.warnings.length ? "amber" : "green"} title={`Connected and bound as ${r.bindDn} in ${r.elapsedMs} ms`}>
        Found <strong data-testid="users-in-scope">{fmtNumber(r.usersInScope)}{r.usersCapped ? "+" : ""}</strong> user{r.usersInScope === 1 ? "" : "s"} in scope
        {r.groupsInScope !== null ? <>, {fmtNumber(r.groupsInScope)} group{r.groupsInScope === 1 ? "" : "s"} to provision</> : null}
        {r.provisioningGroup ? <>; the provisioning group {r.provisioningGroup.found ? "exists" : "was not found"}</> : null}.
        {r.warnings.map((w) => (
          <div key={w}>⚠ {w}</div>
        ))}
      </Banner>
      {r.sample.length > 0 && (
        <div className="card">
          <table className="table">
            <thead>
              <tr>
                <th>First users in scope</th>
                <th>userName</th>
                <th>GUID</th>
              </tr>
            </thead>
            <tbody>
              {r.sample.map((u) => (
                <tr key={u.dn}>
                  <td className="mono small break">{u.dn}</td>
                  <td>{u.userName ?? <Badge tone="red">none</Badge>}</td>
                  <td className="mono small truncate" style={{ maxWidth: 160 }} title={u.guid ?? ""}>
                    {u.guid ?? <Badge tone="red">missing</Badge>}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
