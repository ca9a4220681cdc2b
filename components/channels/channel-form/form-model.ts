// The channel form's model: what the form holds, how it starts (a new channel, or a
// channel's overview), how its controls change it, and what it sends. Pure — no React,
// no fetch — and tested beside it. Its types come from the API's own schema
// (z.input<typeof ZChannelEdit>), so the form cannot hold or send a field the server does
// not take, and a schema change shows up here as a type error instead of a drift.
import type { z } from "zod";
import { KEEP_SECRET, ZChannelEdit, ZOptions, ZSourceEdit, ZSourceFields, ZTargetEdit, ZTargetFields, type TDirectoryType } from "@/lib/channel-config/config";
import { DIRECTORY_DEFAULTS } from "@/lib/channel-config/directory-defaults";
import type { TChannelDescription } from "@/lib/channels/describe-channel";
import type { ZSaveChannelBody, ZSourceTestBody, ZTargetTestBody } from "@/lib/api/schemas";
import type { Json } from "@/components/console/api";

/** What PUT and POST /channels take (body.config). */
export type TChannelEditInput = z.input<typeof ZChannelEdit>;
type TSourceEditInput = z.input<typeof ZSourceEdit>;
type TTargetEditInput = z.input<typeof ZTargetEdit>;
export type TAuthInput = TTargetEditInput["auth"];
export type TAuthType = TAuthInput["type"];
/** A secret field: the text typed, or { keep: true } for the stored secret. */
export type TSecretInput = TSourceEditInput["bindPassword"];
export type TOptionsInput = NonNullable<TChannelEditInput["options"]>;
export type TMappingValueInput = NonNullable<TChannelEditInput["mapping"]>[string];
type TDisabledInput = TSourceEditInput["disabled"];

/** One row of the mapping table: a SCIM attribute and where its value comes from. */
export type TMappingRow = { attr: string; value: TMappingValueInput };

export type TChannelForm = {
  /** the channel as the API takes it; its mapping is held as rows */
  channel: Omit<TChannelEditInput, "source" | "target" | "options" | "mapping"> & { source: TSourceEditInput; target: TTargetEditInput; options: TOptionsInput };
  /** the mapping as the table shows it: ordered, and a name may be empty or repeated while typing */
  mapping: TMappingRow[];
  /** users in scope are members of source.groupDn, or match source.filter; the other is kept while the form is open, not sent */
  scope: "group" | "filter";
  /** provision groups: source.groupFilter and groupBaseDn are sent only then, with options.provisionGroups */
  groupsOn: boolean;
  /** what each other authentication type held when the form switched away from it */
  otherAuths: Partial<Record<TAuthType, TAuthInput>>;
  /** a stored channel: its secrets start as { keep: true } (an emptied secret field is a keep again), and a new directory type keeps its mapping */
  editing: boolean;
};

/** What the form starts an edit from: the channel's overview (masked configuration). */
export type TStoredChannelView = Json<
  Pick<TChannelDescription, "name" | "connectionId" | "channelStatus" | "connectionStatus" | "syncFrequencySec" | "source" | "target" | "mapping" | "options">
>;

// ---- numbers and defaults -------------------------------------------------------------

/** A field's default, as the schema gives it (what the server would fill in). */
function defaultOf<T>(schema: { parse(v: unknown): T }): T {
  return schema.parse(undefined);
}

/** The text of a number input as the form holds it: empty (or not a number) is left out, for the schema's default. */
export function numberFrom(text: string): number | undefined {
  return text.trim() === "" || Number.isNaN(Number(text)) ? undefined : Number(text);
}

/** Only the keys the schema knows: the overview adds views of its own (ldapUrl, userFilter) that an edit must not send back. */
function known<T extends object>(value: T, schema: { shape: object }): T {
  return Object.fromEntries(Object.entries(value).filter(([k]) => k in schema.shape)) as T;
}

const optional = (v: string | undefined) => (v === undefined || v.trim() === "" ? undefined : v.trim());

// ---- secrets --------------------------------------------------------------------------

/** What a secret field shows: the text typed, or nothing for a kept secret (its placeholder says so). */
export function secretText(v: TSecretInput): string {
  return typeof v === "string" ? v : "";
}

/** A secret as sent: the text typed, or { keep: true } when the field is empty. */
function secretOut(v: TSecretInput): TSecretInput {
  return typeof v === "string" && v !== "" ? v : KEEP_SECRET;
}

// ---- mapping rows ---------------------------------------------------------------------

export type TMappingKind = "attribute" | "template" | "literal" | "expression" | "reference";
export type TMappingTransform = NonNullable<Extract<TMappingValueInput, { attribute: string }>["transform"]>;

export function mappingKind(v: TMappingValueInput): TMappingKind {
  if (typeof v === "string" || "attribute" in v) return "attribute";
  if ("expression" in v) return "expression";
  if ("reference" in v) return "reference";
  return "template" in v ? "template" : "literal";
}

export function mappingText(v: TMappingValueInput): string {
  if (typeof v === "string") return v;
  if ("attribute" in v) return v.attribute;
  if ("template" in v) return v.template;
  if ("expression" in v) return v.expression;
  if ("reference" in v) return v.reference;
  return String(v.literal);
}

export function mappingTransform(v: TMappingValueInput): TMappingTransform {
  return typeof v === "object" && "attribute" in v ? (v.transform ?? "none") : "none";
}

/** The same text as another kind of value. */
export function withMappingKind(v: TMappingValueInput, kind: TMappingKind): TMappingValueInput {
  return valueOfKind(kind, mappingText(v));
}

function valueOfKind(kind: Exclude<TMappingKind, "attribute">, text: string): Exclude<TMappingValueInput, string>;
function valueOfKind(kind: TMappingKind, text: string): TMappingValueInput;
function valueOfKind(kind: TMappingKind, text: string): TMappingValueInput {
  if (kind === "attribute") return text;
  if (kind === "template") return { template: text };
  if (kind === "expression") return { expression: text };
  if (kind === "reference") return { reference: text };
  return { literal: text };
}

export function withMappingText(v: TMappingValueInput, text: string): TMappingValueInput {
  if (typeof v === "string") return text;
  if ("attribute" in v) return { ...v, attribute: text };
  return valueOfKind(mappingKind(v), text);
}

export function withMappingTransform(v: TMappingValueInput, transform: TMappingTransform): TMappingValueInput {
  return { attribute: mappingText(v), transform };
}

export function mappingRows(mapping: Record<string, TMappingValueInput>): TMappingRow[] {
  return Object.entries(mapping).map(([attr, value]) => ({ attr, value }));
}

/** The rows as a mapping: rows without a name left out; an attribute as is becomes a bare name; a fixed "true"/"false" a boolean. */
export function mappingOf(rows: TMappingRow[]): Record<string, TMappingValueInput> {
  const out: Record<string, TMappingValueInput> = {};
  for (const { attr, value } of rows) {
    if (!attr.trim()) continue;
    const kind = mappingKind(value);
    const text = mappingText(value);
    const transform = mappingTransform(value);
    out[attr.trim()] =
      kind === "attribute"
        ? transform === "none"
          ? text.trim()
          : { attribute: text.trim(), transform }
        : kind === "literal"
          ? { literal: text === "true" ? true : text === "false" ? false : text }
          : valueOfKind(kind, kind === "reference" ? text.trim() : text);
  }
  return out;
}

export function mappingHasUserName(rows: TMappingRow[]): boolean {
  return rows.some((r) => r.attr.trim() === "userName" && mappingText(r.value).trim() !== "");
}

// ---- the form's start -----------------------------------------------------------------

function blankAuth(type: TAuthType): TAuthInput {
  if (type === "bearer") return { type, token: "" };
  if (type === "basic") return { type, username: "", password: "" };
  return { type, tokenUrl: "", clientId: "", clientSecret: "", scope: "" };
}

export function newChannelForm(): TChannelForm {
  const s = ZSourceFields.shape;
  const t = ZTargetFields.shape;
  return {
    channel: {
      name: "",
      connectionId: "",
      active: true,
      syncFrequencySec: defaultOf(ZChannelEdit.shape.syncFrequencySec),
      source: {
        directoryType: defaultOf(s.directoryType),
        url: "",
        startTls: defaultOf(s.startTls),
        rejectUnauthorized: defaultOf(s.rejectUnauthorized),
        bindDn: "",
        bindPassword: "",
        baseDn: "",
        groupDn: "",
        filter: "",
        groupNameAttribute: defaultOf(s.groupNameAttribute),
      },
      target: {
        url: "",
        auth: blankAuth("bearer"),
        usePatch: defaultOf(t.usePatch),
        userMatching: defaultOf(t.userMatching),
        maxConcurrency: defaultOf(t.maxConcurrency),
      },
      groupMapping: { displayName: defaultOf(s.groupNameAttribute) },
      options: ZOptions.parse({}),
    },
    mapping: mappingRows(DIRECTORY_DEFAULTS[defaultOf(s.directoryType)].mapping),
    scope: "group",
    groupsOn: false,
    otherAuths: {},
    editing: false,
  };
}

/** An edit of a stored channel: everything as stored (what the form does not show, too), its secrets kept. */
export function channelFormFrom(c: TStoredChannelView): TChannelForm {
  const { bindPassword: _masked, ldapUrl: _ldapUrl, userFilter: _userFilter, ...source } = c.source;
  const { auth: maskedAuth, ...target } = c.target;
  const auth: TAuthInput =
    maskedAuth.type === "bearer"
      ? { type: "bearer", token: KEEP_SECRET }
      : maskedAuth.type === "basic"
        ? { type: "basic", username: maskedAuth.username, password: KEEP_SECRET }
        : { type: "oauth2", tokenUrl: maskedAuth.tokenUrl, clientId: maskedAuth.clientId, clientSecret: KEEP_SECRET, scope: maskedAuth.scope ?? "" };
  return {
    channel: {
      name: c.name,
      connectionId: c.connectionId,
      active: c.channelStatus === "active",
      connectionActive: c.connectionStatus === "active",
      syncFrequencySec: c.syncFrequencySec,
      source: { ...known(source, ZSourceEdit), bindPassword: KEEP_SECRET },
      target: { ...known(target, ZTargetEdit), auth },
      groupMapping: c.mapping.group,
      options: known(c.options, ZOptions),
    },
    mapping: mappingRows(c.mapping.user),
    scope: source.groupDn ? "group" : "filter",
    groupsOn: Boolean(source.groupFilter),
    otherAuths: {},
    editing: true,
  };
}

// ---- changes the controls make ----------------------------------------------------------

export function withSource(f: TChannelForm, patch: Partial<TSourceEditInput>): TChannelForm {
  return { ...f, channel: { ...f.channel, source: { ...f.channel.source, ...patch } } };
}

export function withTarget(f: TChannelForm, patch: Partial<TTargetEditInput>): TChannelForm {
  return { ...f, channel: { ...f.channel, target: { ...f.channel.target, ...patch } } };
}

/** A new target profile brings its own values: those the channel gave itself are dropped, so the profile's apply (lib/scim/profiles.ts). */
export function withProfile(f: TChannelForm, profile: NonNullable<TTargetEditInput["profile"]>): TChannelForm {
  return withTarget(f, { profile, membersPerPatch: undefined, pageSize: undefined, rateLimit: undefined });
}

export function withOptions(f: TChannelForm, patch: Partial<TOptionsInput>): TChannelForm {
  return { ...f, channel: { ...f.channel, options: { ...f.channel.options, ...patch } } };
}

/** A new channel takes the directory type's default mapping; an edit keeps its own. */
export function withDirectoryType(f: TChannelForm, directoryType: TDirectoryType): TChannelForm {
  const next = withSource(f, { directoryType });
  return f.editing ? next : { ...next, mapping: mappingRows(DIRECTORY_DEFAULTS[directoryType].mapping) };
}

/** Another kind of authentication: what this one held is kept for a switch back; a stored secret is never carried across. */
export function withAuthType(f: TChannelForm, type: TAuthType): TChannelForm {
  const current = f.channel.target.auth;
  if (current.type === type) return f;
  const next = f.otherAuths[type] ?? blankAuth(type);
  return { ...withTarget(f, { auth: next }), otherAuths: { ...f.otherAuths, [current.type]: current } };
}

export type TDisabledChoice = "default" | NonNullable<TDisabledInput>["kind"];

export function disabledChoice(d: TDisabledInput): TDisabledChoice {
  return d?.kind ?? "default";
}

export function withDisabledChoice(f: TChannelForm, choice: TDisabledChoice): TChannelForm {
  const prev = f.channel.source.disabled;
  const disabled: TDisabledInput =
    choice === "default" ? undefined : choice === "attribute" ? (prev?.kind === "attribute" ? prev : { kind: "attribute", attribute: "", value: "" }) : { kind: choice };
  return withSource(f, { disabled });
}

// ---- what the form sends ----------------------------------------------------------------

function sourceOut(f: TChannelForm): TSourceEditInput {
  const s = f.channel.source;
  const d = s.disabled;
  return {
    ...s,
    url: s.url.trim(),
    bindDn: s.bindDn.trim(),
    bindPassword: secretOut(s.bindPassword),
    tlsServername: optional(s.tlsServername),
    baseDn: s.baseDn.trim(),
    groupDn: f.scope === "group" ? (s.groupDn ?? "").trim() : undefined,
    filter: f.scope === "filter" ? (s.filter ?? "").trim() : undefined,
    userObjectFilter: optional(s.userObjectFilter),
    groupBaseDn: f.groupsOn ? optional(s.groupBaseDn) : undefined,
    groupFilter: f.groupsOn ? optional(s.groupFilter) : undefined,
    groupNameAttribute: optional(s.groupNameAttribute),
    guidAttribute: optional(s.guidAttribute),
    timestampAttribute: optional(s.timestampAttribute),
    disabled: d?.kind === "attribute" ? { kind: "attribute", attribute: d.attribute.trim(), value: d.value.trim() } : d,
  };
}

function targetOut(f: TChannelForm): TTargetEditInput {
  const t = f.channel.target;
  const a = t.auth;
  const auth: TAuthInput =
    a.type === "bearer"
      ? { type: "bearer", token: secretOut(a.token) }
      : a.type === "basic"
        ? { type: "basic", username: a.username.trim(), password: secretOut(a.password) }
        : { type: "oauth2", tokenUrl: a.tokenUrl.trim(), clientId: a.clientId.trim(), clientSecret: secretOut(a.clientSecret), scope: optional(a.scope) };
  return { ...t, url: t.url.trim(), auth };
}

/** The channel as PUT or POST /channels take it. */
export function channelEditOf(f: TChannelForm): TChannelEditInput {
  const c = f.channel;
  const groupName = c.groupMapping?.displayName;
  return {
    ...c,
    name: c.name.trim(),
    connectionId: c.connectionId.trim(),
    source: sourceOut(f),
    target: targetOut(f),
    mapping: mappingOf(f.mapping),
    groupMapping: { displayName: typeof groupName === "string" ? groupName.trim() || "cn" : (groupName ?? "cn") },
    options: { ...c.options, provisionGroups: f.groupsOn },
  };
}

export function saveBody(f: TChannelForm): z.input<typeof ZSaveChannelBody> {
  return { config: channelEditOf(f) };
}

export function sourceTestBody(f: TChannelForm, channelId: number | undefined): z.input<typeof ZSourceTestBody> {
  return { channelId, config: { source: sourceOut(f), mapping: mappingOf(f.mapping) } };
}

export function targetTestBody(f: TChannelForm, channelId: number | undefined): z.input<typeof ZTargetTestBody> {
  return { channelId, config: { target: targetOut(f) } };
}

/** Where the server names a field of the body ("body.config.source.url"), the form's own path ("source.url"). */
const BODY_PATH = /^body\.config\./;

/** The server's message, each problem named by the form's path of its field. */
export function problemText(message: string): string {
  return message.replace(new RegExp(BODY_PATH.source, "gm"), "");
}

/** The server's problems by field path ("source.url"), the first for each. */
export function issuesByField(issues: Array<{ path: string; message: string }> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of issues ?? []) out[i.path.replace(BODY_PATH, "")] ??= i.message;
  return out;
}
