"use client";
// Create or edit a channel: source location (with "Test connection"), target (with a
// test that reads /ServiceProviderConfig), attribute mapping, options, activation. The
// form builds a channel file — the same format as `npm run channel -- apply` — and the
// server validates it with the same zod schema. Secrets are never sent to the page:
// on edit, a secret field left empty keeps the stored secret.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useMemo, useState, type ReactNode } from "react";
import { DIRECTORY_TYPES, ZOptions, ZSourceInput, ZTargetInput, type TDirectoryType, type TMappingValue } from "@/lib/channel-config/config";
import { DIRECTORY_DEFAULTS } from "@/lib/channel-config/directory-defaults";
import type { TSourceTestResult } from "@/lib/channels/test-source-connection";
import type { TTargetTestResult } from "@/lib/channels/test-target-connection";
import { api, ApiError } from "@/components/console/api";
import { IconPlug, IconPlus, IconTrash } from "@/components/ui/icons";
import { Badge, Banner, Button, Card, fmtNumber } from "@/components/ui/primitives";
import { useToast } from "@/components/ui/toasts";
import type { TOverview } from "./use-channel";

type TMapRow = { attr: string; kind: "attribute" | "template" | "literal"; value: string; transform: "none" | "lower" | "upper" };

type TForm = {
  name: string;
  connectionId: string;
  active: boolean;
  syncFrequencySec: string;
  s: {
    directoryType: TDirectoryType;
    url: string;
    startTls: boolean;
    rejectUnauthorized: boolean;
    bindDn: string;
    bindPassword: string;
    baseDn: string;
    scope: "group" | "filter";
    groupDn: string;
    filter: string;
    userObjectFilter: string;
    groupsOn: boolean;
    groupBaseDn: string;
    groupFilter: string;
    groupNameAttribute: string;
    guidAttribute: string;
    timestampAttribute: string;
    disabledKind: "default" | "none" | "ad-uac" | "attribute";
    disabledAttribute: string;
    disabledValue: string;
  };
  t: {
    url: string;
    authType: "bearer" | "basic" | "oauth2";
    token: string;
    username: string;
    password: string;
    tokenUrl: string;
    clientId: string;
    clientSecret: string;
    scope: string;
    usePatch: "auto" | "always" | "never";
    userMatching: "lookup-first" | "create-first";
    maxConcurrency: string;
  };
  mapping: TMapRow[];
  groupDisplayName: string;
  o: {
    createUsers: boolean;
    updateUsers: boolean;
    deprovisionUsers: boolean;
    removeUserAction: "disable" | "delete";
    provisionDisabledUsers: boolean;
    fullSyncIntervalSec: string;
    maxDeprovisionPercent: string;
  };
};

function rowsFromMapping(m: Record<string, TMappingValue>): TMapRow[] {
  return Object.entries(m).map(([attr, v]) => {
    if (typeof v === "string") return { attr, kind: "attribute", value: v, transform: "none" };
    if ("attribute" in v) return { attr, kind: "attribute", value: v.attribute, transform: v.transform ?? "none" };
    if ("template" in v) return { attr, kind: "template", value: v.template, transform: "none" };
    return { attr, kind: "literal", value: String(v.literal), transform: "none" };
  });
}

function initialForm(c?: TOverview): TForm {
  if (!c) {
    return {
      name: "",
      connectionId: "",
      active: true,
      syncFrequencySec: "60",
      s: {
        directoryType: "openldap",
        url: "",
        startTls: false,
        rejectUnauthorized: true,
        bindDn: "",
        bindPassword: "",
        baseDn: "",
        scope: "group",
        groupDn: "",
        filter: "",
        userObjectFilter: "",
        groupsOn: false,
        groupBaseDn: "",
        groupFilter: "",
        groupNameAttribute: "cn",
        guidAttribute: "",
        timestampAttribute: "",
        disabledKind: "default",
        disabledAttribute: "",
        disabledValue: "",
      },
      t: { url: "", authType: "bearer", token: "", username: "", password: "", tokenUrl: "", clientId: "", clientSecret: "", scope: "", usePatch: "auto", userMatching: "lookup-first", maxConcurrency: "4" },
      mapping: rowsFromMapping(DIRECTORY_DEFAULTS.openldap.mapping),
      groupDisplayName: "cn",
      o: { createUsers: true, updateUsers: true, deprovisionUsers: true, removeUserAction: "disable", provisionDisabledUsers: false, fullSyncIntervalSec: "3600", maxDeprovisionPercent: "50" },
    };
  }
  const s = c.source;
  const a = c.target.auth;
  const gdn = c.mapping.group.displayName;
  return {
    name: c.name,
    connectionId: c.connectionId,
    active: c.channelStatus === "active",
    syncFrequencySec: String(c.syncFrequencySec),
    s: {
      directoryType: s.directoryType,
      url: s.url,
      startTls: s.startTls,
      rejectUnauthorized: s.rejectUnauthorized,
      bindDn: s.bindDn,
      bindPassword: "",
      baseDn: s.baseDn,
      scope: s.groupDn ? "group" : "filter",
      groupDn: s.groupDn ?? "",
      filter: s.filter ?? "",
      userObjectFilter: s.userObjectFilter,
      groupsOn: Boolean(s.groupFilter),
      groupBaseDn: s.groupBaseDn ?? "",
      groupFilter: s.groupFilter ?? "",
      groupNameAttribute: s.groupNameAttribute,
      guidAttribute: s.guidAttribute,
      timestampAttribute: s.timestampAttribute,
      disabledKind: s.disabled.kind,
      disabledAttribute: s.disabled.kind === "attribute" ? s.disabled.attribute : "",
      disabledValue: s.disabled.kind === "attribute" ? s.disabled.value : "",
    },
    t: {
      url: c.target.url,
      authType: a.type,
      token: "",
      username: a.type === "basic" ? a.username : "",
      password: "",
      tokenUrl: a.type === "oauth2" ? a.tokenUrl : "",
      clientId: a.type === "oauth2" ? a.clientId : "",
      clientSecret: "",
      scope: a.type === "oauth2" ? (a.scope ?? "") : "",
      usePatch: c.target.usePatch,
      userMatching: c.target.userMatching,
      maxConcurrency: String(c.target.maxConcurrency),
    },
    mapping: rowsFromMapping(c.mapping.user),
    groupDisplayName: typeof gdn === "string" ? gdn : "attribute" in gdn ? gdn.attribute : "cn",
    o: {
      createUsers: c.options.createUsers,
      updateUsers: c.options.updateUsers,
      deprovisionUsers: c.options.deprovisionUsers,
      removeUserAction: c.options.removeUserAction,
      provisionDisabledUsers: c.options.provisionDisabledUsers,
      fullSyncIntervalSec: String(c.options.fullSyncIntervalSec),
      maxDeprovisionPercent: String(c.options.maxDeprovisionPercent),
    },
  };
}

const opt = (v: string) => (v.trim() === "" ? undefined : v.trim());
const num = (v: string) => (v.trim() === "" || Number.isNaN(Number(v)) ? undefined : Number(v));

function sourceOf(f: TForm): Record<string, unknown> {
  const s = f.s;
  return {
    directoryType: s.directoryType,
    url: s.url.trim(),
    startTls: s.startTls,
    rejectUnauthorized: s.rejectUnauthorized,
    bindDn: s.bindDn.trim(),
    bindPassword: s.bindPassword,
    baseDn: s.baseDn.trim(),
    ...(s.scope === "group" ? { groupDn: s.groupDn.trim() } : { filter: s.filter.trim() }),
    userObjectFilter: opt(s.userObjectFilter),
    ...(s.groupsOn ? { groupBaseDn: opt(s.groupBaseDn), groupFilter: opt(s.groupFilter) } : {}),
    groupNameAttribute: opt(s.groupNameAttribute),
    guidAttribute: opt(s.guidAttribute),
    timestampAttribute: opt(s.timestampAttribute),
    disabled:
      s.disabledKind === "default"
        ? undefined
        : s.disabledKind === "attribute"
          ? { kind: "attribute", attribute: s.disabledAttribute.trim(), value: s.disabledValue.trim() }
          : { kind: s.disabledKind },
  };
}

function targetOf(f: TForm): Record<string, unknown> {
  const t = f.t;
  const auth =
    t.authType === "bearer"
      ? { type: "bearer", token: t.token }
      : t.authType === "basic"
        ? { type: "basic", username: t.username.trim(), password: t.password }
        : { type: "oauth2", tokenUrl: t.tokenUrl.trim(), clientId: t.clientId.trim(), clientSecret: t.clientSecret, scope: opt(t.scope) };
  return { url: t.url.trim(), auth, usePatch: t.usePatch, userMatching: t.userMatching, maxConcurrency: num(t.maxConcurrency) };
}

function mappingOf(f: TForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const r of f.mapping) {
    if (!r.attr.trim()) continue;
    out[r.attr.trim()] =
      r.kind === "attribute"
        ? r.transform === "none"
          ? r.value.trim()
          : { attribute: r.value.trim(), transform: r.transform }
        : r.kind === "template"
          ? { template: r.value }
          : { literal: r.value === "true" ? true : r.value === "false" ? false : r.value };
  }
  return out;
}

/**
 * What the form does not show is kept as stored (timeouts, page size, retries, members per
 * PATCH, guard minimum…), so saving from the console never resets a channel file's
 * tuning. Secrets and the scope fields the form switches between are the form's own.
 */
function keptFrom(stored: object | undefined, schema: { shape: object }, formOwned: string[]): Record<string, unknown> {
  if (!stored) return {};
  return Object.fromEntries(Object.entries(stored).filter(([k]) => k in schema.shape && !formOwned.includes(k)));
}

function configOf(f: TForm, channel?: TOverview): Record<string, unknown> {
  const c = channel;
  return {
    name: f.name.trim(),
    connectionId: f.connectionId.trim(),
    active: f.active,
    syncFrequencySec: num(f.syncFrequencySec),
    source: { ...keptFrom(c?.source, ZSourceInput, ["bindPassword", "groupDn", "filter", "groupBaseDn", "groupFilter"]), ...sourceOf(f) },
    target: { ...keptFrom(c?.target, ZTargetInput, ["auth"]), ...targetOf(f) },
    mapping: mappingOf(f),
    groupMapping: { displayName: f.groupDisplayName.trim() || "cn" },
    options: {
      ...keptFrom(c?.options, ZOptions, []),
      createUsers: f.o.createUsers,
      updateUsers: f.o.updateUsers,
      deprovisionUsers: f.o.deprovisionUsers,
      removeUserAction: f.o.removeUserAction,
      provisionDisabledUsers: f.o.provisionDisabledUsers,
      provisionGroups: f.s.groupsOn,
      fullSyncIntervalSec: num(f.o.fullSyncIntervalSec),
      maxDeprovisionPercent: num(f.o.maxDeprovisionPercent),
    },
  };
}

function Section({ title, intro, children }: { title: string; intro: ReactNode; children: ReactNode }) {
  return (
    <div className="form-section">
      <div className="intro">
        <h3>{title}</h3>
        <p>{intro}</p>
      </div>
      <div className="stack">{children}</div>
    </div>
  );
}

function F({ id, label, hint, error, children }: { id: string; label: ReactNode; hint?: ReactNode; error?: string; children: ReactNode }) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      {children}
      {error ? <div className="err">{error}</div> : hint ? <div className="hint">{hint}</div> : null}
    </div>
  );
}

function Check({ checked, onChange, label, hint, id }: { checked: boolean; onChange: (v: boolean) => void; label: string; hint?: string; id: string }) {
  return (
    <label className="check" htmlFor={id}>
      <input id={id} type="checkbox" checked={checked} onChange={(e) => onChange(e.target.checked)} />
      <span>
        <span className="label">{label}</span>
        {hint && <span className="hint">{hint}</span>}
      </span>
    </label>
  );
}

function SourceResult({ r }: { r: TSourceTestResult }) {
  if (!r.ok) {
    return (
      <Banner tone="red" title={r.stage === "config" ? "The settings are not complete" : r.stage === "connect" ? "Could not connect and bind" : "Connected, but the search failed"}>
        <span data-testid="source-test-error">{r.error}</span>
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

function TargetResult({ r }: { r: TTargetTestResult }) {
  if (!r.ok) {
    return (
      <Banner tone="red" title={r.stage === "config" ? "The settings are not complete" : "The SCIM service could not be read"}>
        <span data-testid="target-test-error">{r.error}</span>
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

export function ChannelForm({ channel }: { channel?: TOverview }) {
  const editing = channel !== undefined;
  const router = useRouter();
  const qc = useQueryClient();
  const toast = useToast();
  const [f, setF] = useState<TForm>(() => initialForm(channel));
  const [issues, setIssues] = useState<Record<string, string>>({});
  const defaults = DIRECTORY_DEFAULTS[f.s.directoryType];
  const set = (patch: Partial<TForm>) => setF((x) => ({ ...x, ...patch }));
  const setS = (patch: Partial<TForm["s"]>) => setF((x) => ({ ...x, s: { ...x.s, ...patch } }));
  const setT = (patch: Partial<TForm["t"]>) => setF((x) => ({ ...x, t: { ...x.t, ...patch } }));
  const setO = (patch: Partial<TForm["o"]>) => setF((x) => ({ ...x, o: { ...x.o, ...patch } }));
  const err = (path: string) => issues[path];

  const testSource = useMutation({
    mutationFn: () => api<TSourceTestResult>("/connection-tests/source", { method: "POST", body: { channelId: channel?.id, config: { source: sourceOf(f), mapping: mappingOf(f) } } }),
  });
  const testTarget = useMutation({
    mutationFn: () => api<TTargetTestResult>("/connection-tests/target", { method: "POST", body: { channelId: channel?.id, config: { target: targetOf(f) } } }),
  });
  const save = useMutation({
    mutationFn: () =>
      editing
        ? api<{ id: number; name: string }>(`/channels/${channel.id}`, { method: "PUT", body: { config: configOf(f, channel) } })
        : api<{ id: number; name: string }>("/channels", { method: "POST", body: { config: configOf(f, channel) } }),
    onSuccess: (r) => {
      toast(editing ? `Channel "${r.name}" saved.` : `Channel "${r.name}" created. The worker starts its first cycle in a few seconds.`);
      void qc.invalidateQueries({ queryKey: ["channels"] });
      void qc.invalidateQueries({ queryKey: ["channel", r.id] });
      router.push(`/channels/${r.id}`);
    },
    onError: (e) => {
      const map: Record<string, string> = {};
      if (e instanceof ApiError) for (const i of e.details?.issues ?? []) map[i.path.replace(/^body\.config\./, "")] ??= i.message;
      setIssues(map);
      window.scrollTo({ top: 0, behavior: "smooth" });
    },
  });

  const secretHint = editing ? "Leave empty to keep the stored secret (only while the host stays the same)." : undefined;
  const secretPlaceholder = editing ? "•••••••• (unchanged)" : "";
  const mappingHasUserName = useMemo(() => f.mapping.some((r) => r.attr.trim() === "userName" && r.value.trim()), [f.mapping]);

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
            <span style={{ whiteSpace: "pre-line" }}>{save.error.message}</span>
          </Banner>
        </div>
      )}
      <Card>
        <Section title="Channel" intro="A name for people, the SP connection it belongs to, and how often it runs.">
          <div className="grid-2">
            <F id="ch-name" label="Channel name" error={err("name")}>
              <input id="ch-name" className={`input${err("name") ? " invalid" : ""}`} value={f.name} onChange={(e) => set({ name: e.target.value })} required />
            </F>
            <F id="ch-conn" label="Connection ID" hint="The SP connection (application) this channel provisions." error={err("connectionId")}>
              <input id="ch-conn" className="input" value={f.connectionId} onChange={(e) => set({ connectionId: e.target.value })} required />
            </F>
          </div>
          <div className="grid-2">
            <F id="ch-freq" label="Sync frequency (seconds)" hint="Time between two cycles." error={err("syncFrequencySec")}>
              <input id="ch-freq" className="input" type="number" min={1} value={f.syncFrequencySec} onChange={(e) => set({ syncFrequencySec: e.target.value })} />
            </F>
            <div className="field" style={{ justifyContent: "flex-end" }}>
              <Check id="ch-active" checked={f.active} onChange={(v) => set({ active: v })} label="Channel active" hint="The worker runs cycles only for active channels." />
            </div>
          </div>
        </Section>

        <Section title="Source" intro="Where users come from: the directory, the account Ferry binds with, and which users and groups are in scope.">
          <div className="grid-2">
            <F id="src-type" label="Directory type" hint="Sets the defaults below (GUID, timestamp, disabled flag, mapping).">
              <select
                id="src-type"
                className="select"
                value={f.s.directoryType}
                onChange={(e) => {
                  const t = e.target.value as TDirectoryType;
                  setF((x) => ({ ...x, s: { ...x.s, directoryType: t }, mapping: editing ? x.mapping : rowsFromMapping(DIRECTORY_DEFAULTS[t].mapping) }));
                }}
              >
                {DIRECTORY_TYPES.map((t) => (
                  <option key={t} value={t}>
                    {{ openldap: "OpenLDAP", "active-directory": "Active Directory", "389ds": "389 Directory Server", generic: "Other LDAP directory" }[t]}
                  </option>
                ))}
              </select>
            </F>
            <F id="src-url" label="Directory URL" hint="ldap://host:389 or ldaps://host:636" error={err("source.url")}>
              <input id="src-url" className="input mono" placeholder="ldap://directory.example.com:389" value={f.s.url} onChange={(e) => setS({ url: e.target.value })} />
            </F>
          </div>
          <div className="row-wrap" style={{ gap: 20 }}>
            <Check id="src-starttls" checked={f.s.startTls} onChange={(v) => setS({ startTls: v })} label="StartTLS" />
            <Check id="src-verify" checked={f.s.rejectUnauthorized} onChange={(v) => setS({ rejectUnauthorized: v })} label="Verify the server's certificate" />
          </div>
          <div className="grid-2">
            <F id="src-binddn" label="Bind DN" error={err("source.bindDn")}>
              <input id="src-binddn" className="input mono" placeholder="cn=ferry,ou=system,dc=example,dc=com" value={f.s.bindDn} onChange={(e) => setS({ bindDn: e.target.value })} />
            </F>
            <F id="src-bindpw" label="Bind password" hint={secretHint} error={err("source.bindPassword")}>
              <input id="src-bindpw" className="input" type="password" autoComplete="new-password" placeholder={secretPlaceholder} value={f.s.bindPassword} onChange={(e) => setS({ bindPassword: e.target.value })} />
            </F>
          </div>
          <F id="src-base" label="Base DN" hint="Users are searched below this entry." error={err("source.baseDn")}>
            <input id="src-base" className="input mono" placeholder="ou=people,dc=example,dc=com" value={f.s.baseDn} onChange={(e) => setS({ baseDn: e.target.value })} />
          </F>
          <div className="field">
            <span className="label">Users in scope</span>
            <div className="segmented" role="group" aria-label="Users in scope">
              <button type="button" className={f.s.scope === "group" ? "on" : ""} onClick={() => setS({ scope: "group" })}>
                Members of a group
              </button>
              <button type="button" className={f.s.scope === "filter" ? "on" : ""} onClick={() => setS({ scope: "filter" })}>
                Matching an LDAP filter
              </button>
            </div>
          </div>
          {f.s.scope === "group" ? (
            <F id="src-groupdn" label="Provisioning group DN" hint="Users who are members of this group are provisioned." error={err("source.groupDn")}>
              <input id="src-groupdn" className="input mono" placeholder="cn=app-users,ou=groups,dc=example,dc=com" value={f.s.groupDn} onChange={(e) => setS({ groupDn: e.target.value })} />
            </F>
          ) : (
            <F id="src-filter" label="User filter" hint="Users below the base DN that match are provisioned." error={err("source.filter")}>
              <input id="src-filter" className="input mono" placeholder="(departmentNumber=42)" value={f.s.filter} onChange={(e) => setS({ filter: e.target.value })} />
            </F>
          )}
          <div className="grid-3">
            <F id="src-guid" label="GUID attribute" hint={`Default: ${defaults.guid}`} error={err("source.guidAttribute")}>
              <input id="src-guid" className="input mono" placeholder={defaults.guid} value={f.s.guidAttribute} onChange={(e) => setS({ guidAttribute: e.target.value })} />
            </F>
            <F id="src-ts" label="Timestamp attribute" hint={`Default: ${defaults.timestamp}`}>
              <input id="src-ts" className="input mono" placeholder={defaults.timestamp} value={f.s.timestampAttribute} onChange={(e) => setS({ timestampAttribute: e.target.value })} />
            </F>
            <F id="src-uof" label="User object filter" hint={`Default: ${defaults.userObjectFilter}`} error={err("source.userObjectFilter")}>
              <input id="src-uof" className="input mono" placeholder={defaults.userObjectFilter} value={f.s.userObjectFilter} onChange={(e) => setS({ userObjectFilter: e.target.value })} />
            </F>
          </div>
          <div className="grid-3">
            <F id="src-dis" label="Disabled users are read from">
              <select id="src-dis" className="select" value={f.s.disabledKind} onChange={(e) => setS({ disabledKind: e.target.value as TForm["s"]["disabledKind"] })}>
                <option value="default">The directory type's default ({defaults.disabled.kind === "none" ? "not read" : defaults.disabled.kind === "ad-uac" ? "userAccountControl" : `${defaults.disabled.attribute}`})</option>
                <option value="none">Not read (nobody is disabled)</option>
                <option value="ad-uac">Active Directory userAccountControl (0x2)</option>
                <option value="attribute">An attribute holding a value</option>
              </select>
            </F>
            {f.s.disabledKind === "attribute" && (
              <>
                <F id="src-disattr" label="Disabled attribute" error={err("source.disabled.attribute")}>
                  <input id="src-disattr" className="input mono" placeholder="nsAccountLock" value={f.s.disabledAttribute} onChange={(e) => setS({ disabledAttribute: e.target.value })} />
                </F>
                <F id="src-disval" label="…when it holds" error={err("source.disabled.value")}>
                  <input id="src-disval" className="input mono" placeholder="true" value={f.s.disabledValue} onChange={(e) => setS({ disabledValue: e.target.value })} />
                </F>
              </>
            )}
          </div>
          <Check id="src-groups" checked={f.s.groupsOn} onChange={(v) => setS({ groupsOn: v })} label="Provision groups" hint="Create, rename and re-member the groups matching a filter." />
          {f.s.groupsOn && (
            <div className="grid-3">
              <F id="src-gfilter" label="Group filter" error={err("source.groupFilter")}>
                <input id="src-gfilter" className="input mono" placeholder="(objectClass=groupOfNames)" value={f.s.groupFilter} onChange={(e) => setS({ groupFilter: e.target.value })} />
              </F>
              <F id="src-gbase" label="Group base DN" hint="Default: the base DN" error={err("source.groupBaseDn")}>
                <input id="src-gbase" className="input mono" placeholder="ou=groups,dc=example,dc=com" value={f.s.groupBaseDn} onChange={(e) => setS({ groupBaseDn: e.target.value })} />
              </F>
              <F id="src-gname" label="Group name attribute">
                <input id="src-gname" className="input mono" value={f.s.groupNameAttribute} onChange={(e) => setS({ groupNameAttribute: e.target.value })} />
              </F>
            </div>
          )}
          <div className="row">
            <Button onClick={() => testSource.mutate()} loading={testSource.isPending}>
              <IconPlug /> Test connection
            </Button>
            <span className="muted small">Binds and counts the users in scope. Nothing is written.</span>
          </div>
          {testSource.isError && <Banner tone="red">{testSource.error.message}</Banner>}
          {testSource.data && <SourceResult r={testSource.data} />}
        </Section>

        <Section title="Target" intro="The SCIM 2.0 service provider: its base URL (/Users and /Groups are below it) and how Ferry authenticates.">
          <F id="tgt-url" label="SCIM base URL" error={err("target.url")}>
            <input id="tgt-url" className="input mono" placeholder="https://app.example.com/scim/v2" value={f.t.url} onChange={(e) => setT({ url: e.target.value })} />
          </F>
          <div className="grid-2">
            <F id="tgt-auth" label="Authentication">
              <select id="tgt-auth" className="select" value={f.t.authType} onChange={(e) => setT({ authType: e.target.value as TForm["t"]["authType"] })}>
                <option value="bearer">Bearer token</option>
                <option value="basic">HTTP basic</option>
                <option value="oauth2">OAuth 2.0 client credentials</option>
              </select>
            </F>
            <F id="tgt-patch" label="Updates with PATCH">
              <select id="tgt-patch" className="select" value={f.t.usePatch} onChange={(e) => setT({ usePatch: e.target.value as TForm["t"]["usePatch"] })}>
                <option value="auto">As the ServiceProviderConfig says</option>
                <option value="always">Always PATCH</option>
                <option value="never">Never (PUT)</option>
              </select>
            </F>
            <F
              id="tgt-matching"
              label="Matching users by userName"
              hint="Create first halves a first load's requests (it pays when each request is a slow round trip); use it only if the target refuses a second user with the same userName (409 uniqueness, as RFC 7643 requires)."
            >
              <select id="tgt-matching" className="select" value={f.t.userMatching} onChange={(e) => setT({ userMatching: e.target.value as TForm["t"]["userMatching"] })}>
                <option value="lookup-first">Look the user up, then create</option>
                <option value="create-first">Create, link the existing user on 409</option>
              </select>
            </F>
            <F id="tgt-concurrency" label="Requests in flight" error={err("target.maxConcurrency")}>
              <input id="tgt-concurrency" className="input" inputMode="numeric" value={f.t.maxConcurrency} onChange={(e) => setT({ maxConcurrency: e.target.value })} />
            </F>
          </div>
          {f.t.authType === "bearer" && (
            <F id="tgt-token" label="Bearer token" hint={secretHint} error={err("target.auth.token")}>
              <input id="tgt-token" className="input" type="password" autoComplete="new-password" placeholder={secretPlaceholder} value={f.t.token} onChange={(e) => setT({ token: e.target.value })} />
            </F>
          )}
          {f.t.authType === "basic" && (
            <div className="grid-2">
              <F id="tgt-user" label="User" error={err("target.auth.username")}>
                <input id="tgt-user" className="input" value={f.t.username} onChange={(e) => setT({ username: e.target.value })} />
              </F>
              <F id="tgt-pass" label="Password" hint={secretHint} error={err("target.auth.password")}>
                <input id="tgt-pass" className="input" type="password" autoComplete="new-password" placeholder={secretPlaceholder} value={f.t.password} onChange={(e) => setT({ password: e.target.value })} />
              </F>
            </div>
          )}
          {f.t.authType === "oauth2" && (
            <>
              <F id="tgt-tokenurl" label="Token URL" error={err("target.auth.tokenUrl")}>
                <input id="tgt-tokenurl" className="input mono" value={f.t.tokenUrl} onChange={(e) => setT({ tokenUrl: e.target.value })} />
              </F>
              <div className="grid-3">
                <F id="tgt-cid" label="Client id" error={err("target.auth.clientId")}>
                  <input id="tgt-cid" className="input" value={f.t.clientId} onChange={(e) => setT({ clientId: e.target.value })} />
                </F>
                <F id="tgt-csecret" label="Client secret" hint={secretHint} error={err("target.auth.clientSecret")}>
                  <input id="tgt-csecret" className="input" type="password" autoComplete="new-password" placeholder={secretPlaceholder} value={f.t.clientSecret} onChange={(e) => setT({ clientSecret: e.target.value })} />
                </F>
                <F id="tgt-scope" label="Scope">
                  <input id="tgt-scope" className="input" value={f.t.scope} onChange={(e) => setT({ scope: e.target.value })} />
                </F>
              </div>
            </>
          )}
          <div className="row">
            <Button onClick={() => testTarget.mutate()} loading={testTarget.isPending}>
              <IconPlug /> Test target
            </Button>
            <span className="muted small">Reads /ServiceProviderConfig and counts users and groups. Nothing is written.</span>
          </div>
          {testTarget.isError && <Banner tone="red">{testTarget.error.message}</Banner>}
          {testTarget.data && <TargetResult r={testTarget.data} />}
        </Section>

        <Section title="Attribute mapping" intro="How each SCIM attribute gets its value: an LDAP attribute, a template such as {givenName} {sn}, or a fixed value. userName is required: users are matched by it.">
          {!mappingHasUserName && <Banner tone="amber">The mapping must give userName.</Banner>}
          {err("mapping") && <Banner tone="red">{err("mapping")}</Banner>}
          <div className="card">
            <table className="table" aria-label="Attribute mapping">
              <thead>
                <tr>
                  <th style={{ width: "32%" }}>SCIM attribute</th>
                  <th style={{ width: 150 }}>From</th>
                  <th>LDAP attribute / template / value</th>
                  <th style={{ width: 44 }} />
                </tr>
              </thead>
              <tbody>
                {f.mapping.map((r, i) => {
                  const upd = (patch: Partial<TMapRow>) => set({ mapping: f.mapping.map((x, j) => (j === i ? { ...x, ...patch } : x)) });
                  return (
                    <tr key={i}>
                      <td>
                        <input className="input mono" aria-label={`SCIM attribute ${i + 1}`} value={r.attr} onChange={(e) => upd({ attr: e.target.value })} placeholder="name.givenName" />
                      </td>
                      <td>
                        <select className="select" aria-label={`Kind ${i + 1}`} value={r.kind} onChange={(e) => upd({ kind: e.target.value as TMapRow["kind"] })}>
                          <option value="attribute">Attribute</option>
                          <option value="template">Template</option>
                          <option value="literal">Fixed value</option>
                        </select>
                      </td>
                      <td>
                        <div className="row">
                          <input className="input mono" aria-label={`Value ${i + 1}`} value={r.value} onChange={(e) => upd({ value: e.target.value })} placeholder={r.kind === "template" ? "{givenName} {sn}" : r.kind === "attribute" ? "givenName" : "value"} />
                          {r.kind === "attribute" && (
                            <select className="select" style={{ width: 110 }} aria-label={`Case ${i + 1}`} value={r.transform} onChange={(e) => upd({ transform: e.target.value as TMapRow["transform"] })}>
                              <option value="none">as is</option>
                              <option value="lower">lower</option>
                              <option value="upper">UPPER</option>
                            </select>
                          )}
                        </div>
                      </td>
                      <td>
                        <Button variant="ghost" size="sm" aria-label={`Remove ${r.attr || "row"}`} onClick={() => set({ mapping: f.mapping.filter((_, j) => j !== i) })}>
                          <IconTrash />
                        </Button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="row">
            <Button size="sm" onClick={() => set({ mapping: [...f.mapping, { attr: "", kind: "attribute", value: "", transform: "none" }] })}>
              <IconPlus /> Add attribute
            </Button>
            <span className="spacer" />
          </div>
          <F id="map-group" label="Group displayName from" hint="The LDAP attribute that names a group at the target.">
            <input id="map-group" className="input mono" style={{ maxWidth: 260 }} value={f.groupDisplayName} onChange={(e) => set({ groupDisplayName: e.target.value })} />
          </F>
        </Section>

        <Section title="Options" intro="What provisioning may do at the target.">
          <div className="grid-2">
            <Check id="o-create" checked={f.o.createUsers} onChange={(v) => setO({ createUsers: v })} label="Create users" />
            <Check id="o-update" checked={f.o.updateUsers} onChange={(v) => setO({ updateUsers: v })} label="Update users" />
            <Check id="o-deprov" checked={f.o.deprovisionUsers} onChange={(v) => setO({ deprovisionUsers: v })} label="Disable / delete users" hint="When they are disabled, deleted or leave the scope." />
            <Check id="o-disabled" checked={f.o.provisionDisabledUsers} onChange={(v) => setO({ provisionDisabledUsers: v })} label="Provision disabled users" hint="Create them at the target as inactive." />
          </div>
          <div className="grid-3">
            <F id="o-remove" label="Remove User Action">
              <select id="o-remove" className="select" value={f.o.removeUserAction} onChange={(e) => setO({ removeUserAction: e.target.value as "disable" | "delete" })}>
                <option value="disable">Disable the user at the target</option>
                <option value="delete">Delete the user at the target</option>
              </select>
            </F>
            <F id="o-full" label="Full read every (seconds)" hint="Safety net for deletions a directory does not signal; 0 = never." error={err("options.fullSyncIntervalSec")}>
              <input id="o-full" className="input" type="number" min={0} value={f.o.fullSyncIntervalSec} onChange={(e) => setO({ fullSyncIntervalSec: e.target.value })} />
            </F>
            <F id="o-guard" label="Hold cycles deprovisioning more than (%)" hint="A read that would remove more users is held for review." error={err("options.maxDeprovisionPercent")}>
              <input id="o-guard" className="input" type="number" min={0} max={100} value={f.o.maxDeprovisionPercent} onChange={(e) => setO({ maxDeprovisionPercent: e.target.value })} />
            </F>
          </div>
        </Section>
        <div className="row" style={{ paddingTop: 16 }}>
          <span className="spacer" />
          <Link className="btn" href={editing ? `/channels/${channel.id}` : "/channels"}>
            Cancel
          </Link>
          <Button type="submit" variant="primary" loading={save.isPending}>
            {editing ? "Save changes" : "Create channel"}
          </Button>
        </div>
      </Card>
    </form>
  );
}
