// The OpenAPI 3.1 document of /api/v1, built from the same zod schemas the routes
// validate with, so the description cannot drift from what is enforced.
import { z } from "zod";
import { ZChannelEdit, ZChannelFile } from "../channel-config/config.ts";
import { CHANNEL_OPERATIONS } from "../channels/operations.ts";
import type { TRole } from "../auth/roles.ts";
import * as S from "./schemas.ts";
import { ZAlertDestinationBody } from "../alerts/destinations.ts";
import { ZHistoryQuery } from "../channels/cycle-history.ts";

type TEndpoint = {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  role: TRole;
  summary: string;
  tag: string;
  query?: z.ZodObject;
  body?: z.ZodType;
  created?: boolean;
};

export const ENDPOINTS: TEndpoint[] = [
  { method: "get", path: "/me", role: "viewer", tag: "Account", summary: "Who is asking (and, for a console session, its CSRF token)" },
  { method: "post", path: "/me/password", role: "viewer", tag: "Account", summary: "Change your own password (console users)", body: S.ZChangeOwnPasswordBody },
  { method: "get", path: "/channels", role: "viewer", tag: "Channels", summary: "Every channel: the --show-channels columns, last cycle and whether one is running" },
  { method: "post", path: "/channels", role: "admin", tag: "Channels", summary: "Create a channel: a channel file with its secrets given as values", body: S.ZSaveChannelBody, created: true },
  {
    method: "post",
    path: "/channels/plan",
    role: "admin",
    tag: "Channels",
    summary: "Plan a new channel's first cycle before creating it: the body POST /channels takes; counts and first records to create, nothing created or sent",
    query: S.ZPlanQuery,
    body: S.ZSaveChannelBody,
  },
  { method: "get", path: "/channels/{id}", role: "viewer", tag: "Channels", summary: "A channel's overview: masked source and target (--show-source, --show-target), mapping, options, state, counts, last cycles, and the shared rate governor's state for the target host (rateGovernor: rate factor, pause, recent 429s)" },
  { method: "put", path: "/channels/{id}", role: "admin", tag: "Channels", summary: "Change a channel's configuration (a secret given as { keep: true }, or left out, is kept)", body: S.ZSaveChannelBody },
  {
    method: "delete",
    path: "/channels/{id}",
    role: "admin",
    tag: "Channels",
    summary: "Delete a channel with its records, cycles and holds (the target is not touched); { confirm: <channel name> }. Refused (409 CYCLE_RUNNING) while a cycle runs",
    body: S.ZDeleteChannelBody,
  },
  { method: "post", path: "/channels/{id}/status", role: "admin", tag: "Channels", summary: "Activate or deactivate a channel or its connection", body: S.ZChannelStatusBody },
  { method: "get", path: "/channels/{id}/cycles", role: "viewer", tag: "Channels", summary: "The channel's last provisioning cycles", query: S.ZCyclesQuery },
  { method: "get", path: "/channels/{id}/holds", role: "viewer", tag: "Deprovisioning", summary: "Deprovisioning the guard held: open holds with the first records they cover, and recent closed ones" },
  {
    method: "post",
    path: "/channels/{id}/holds/{holdId}/approve",
    role: "admin",
    tag: "Deprovisioning",
    summary: "Approve a held deprovisioning (or a rejected one, after all): the next cycle (asked for at once) disables or deletes exactly the records it covers",
    body: S.ZApproveHoldBody,
  },
  {
    method: "post",
    path: "/channels/{id}/holds/{holdId}/reject",
    role: "admin",
    tag: "Deprovisioning",
    summary: "Reject a held deprovisioning: nobody it covers is disabled or deleted; they stay at the target, left out of later counts, until they come back in the directory or the hold is approved after all",
    body: S.ZRejectHoldBody,
  },
  {
    method: "get",
    path: "/channels/{id}/plan",
    role: "viewer",
    tag: "Channels",
    summary:
      "Plan (dry run) of the next cycle: counts per action, the first `limit` users and groups of each with attribute diffs and member changes, and what the deprovisioning guard would hold. Reads the directory; sends nothing and changes nothing (409 CYCLE_RUNNING while a cycle runs, 502 LDAP_ERROR when the directory cannot be read)",
    query: S.ZPlanQuery,
  },
  {
    method: "post",
    path: "/channels/{id}/plan",
    role: "admin",
    tag: "Channels",
    summary:
      "Plan of the next cycle for an edit before it is saved (the body PUT /channels/{id} takes): planned with the markers the save would reset; nothing is saved, sent or changed. Audited as channel.preview-edit",
    query: S.ZPlanQuery,
    body: S.ZSaveChannelBody,
  },
  {
    method: "post",
    path: "/channels/{id}/mapping-preview",
    role: "admin",
    tag: "Channels",
    summary:
      "One directory user (by DN, name or GUID) through the mapping of an edit before it is saved (the body PUT /channels/{id} takes, plus `user`): the mapped values, the first value that cannot be computed, the resource a create sends, the user the target holds now and the PATCH an update would send. Sends nothing but GETs; audited as channel.preview-mapping",
    body: S.ZMappingPreviewBody,
  },
  {
    method: "post",
    path: "/channels/mapping-preview",
    role: "admin",
    tag: "Channels",
    summary: "As POST /channels/{id}/mapping-preview, for a channel not saved yet",
    body: S.ZMappingPreviewBody,
  },
  { method: "get", path: "/channels/{id}/operations/{operation}", role: "viewer", tag: "Operations", summary: "What an operation would change, with counts" },
  {
    method: "post",
    path: "/channels/{id}/operations/{operation}",
    role: "operator",
    tag: "Operations",
    summary: `Run a provmgr operation: ${CHANNEL_OPERATIONS.map((o) => o.id).join(", ")}. delete-all and delete-all-users need { confirm: <channel name> }`,
    body: S.ZOperationBody,
  },
  { method: "get", path: "/channels/{id}/users", role: "viewer", tag: "Records", summary: "Users of the channel's store, a keyset page at a time (--show-dirty-user-records with state=dirty)", query: S.ZRecordQuery },
  { method: "get", path: "/channels/{id}/users/{recordId}", role: "viewer", tag: "Records", summary: "Every internal field of one user (--show-user)" },
  { method: "get", path: "/channels/{id}/users/{recordId}/history", role: "viewer", tag: "Records", summary: "A user's history as the store knows it" },
  { method: "get", path: "/channels/{id}/groups", role: "viewer", tag: "Records", summary: "Groups of the channel's store, a keyset page at a time", query: S.ZRecordQuery },
  { method: "get", path: "/channels/{id}/groups/{recordId}", role: "viewer", tag: "Records", summary: "Every internal field of one group (--show-group)" },
  { method: "get", path: "/channels/{id}/groups/{recordId}/history", role: "viewer", tag: "Records", summary: "A group's history as the store knows it" },
  { method: "post", path: "/connection-tests/source", role: "admin", tag: "Channels", summary: "Bind to a directory and report what the channel would see", body: S.ZSourceTestBody },
  { method: "post", path: "/connection-tests/target", role: "admin", tag: "Channels", summary: "Read a SCIM target's /ServiceProviderConfig and count its users and groups", body: S.ZTargetTestBody },
  { method: "get", path: "/nodes", role: "viewer", tag: "Nodes", summary: "Every provisioning node with mode, status and last heartbeat (--show-nodes)" },
  { method: "post", path: "/nodes/{id}/force-backup", role: "operator", tag: "Nodes", summary: "Put a node in FAILOVER mode (--force-node-backup)" },
  { method: "get", path: "/audit", role: "viewer", tag: "Audit", summary: "The audit log, newest first", query: S.ZAuditQuery },
  { method: "get", path: "/audit/export", role: "admin", tag: "Audit", summary: "Download the filtered audit log (every page), newest first, as CSV or JSON; streamed", query: S.ZAuditExportQuery },
  { method: "get", path: "/console-users", role: "admin", tag: "Administration", summary: "Console users" },
  { method: "post", path: "/console-users", role: "admin", tag: "Administration", summary: "Create a console user", body: S.ZCreateConsoleUserBody, created: true },
  { method: "patch", path: "/console-users/{id}", role: "admin", tag: "Administration", summary: "Change a console user's role, name or disabled flag", body: S.ZUpdateConsoleUserBody },
  { method: "delete", path: "/console-users/{id}", role: "admin", tag: "Administration", summary: "Delete a console user" },
  { method: "post", path: "/console-users/{id}/password", role: "admin", tag: "Administration", summary: "Set a console user's password (they change it on next sign-in)", body: S.ZResetPasswordBody },
  { method: "get", path: "/api-tokens", role: "admin", tag: "Administration", summary: "API tokens (never the tokens themselves)" },
  { method: "post", path: "/api-tokens", role: "admin", tag: "Administration", summary: "Create an API token; the answer is the only time it is shown", body: S.ZCreateApiTokenBody, created: true },
  { method: "delete", path: "/api-tokens/{id}", role: "admin", tag: "Administration", summary: "Revoke an API token" },
  { method: "post", path: "/channels/{id}/users/{recordId}/retry", role: "operator", tag: "Records", summary: "Retry one dirty user record now: it skips its backoff and a cycle is asked for" },
  { method: "get", path: "/channels/{id}/explain", role: "viewer", tag: "Records", summary: "Explain one directory user (?user=<DN, name or GUID>, even one not stored or out of scope): the scope rules, nested path, disabled rule, mapped values against the target's, the record, a hold, the decision, the log. Read-only", query: S.ZUserQueryFields },
  { method: "get", path: "/channels/{id}/explain-group", role: "viewer", tag: "Records", summary: "Explain one directory group (?group=<DN, name or GUID>, even one not stored or out of scope): the scope rules, its name against the target's, its members now (flattened when the channel flattens) against the target's — who would be added or removed, and who never reaches the target and why — the record, a hold, the decision, the log. Read-only", query: S.ZGroupQueryFields },
  { method: "post", path: "/channels/{id}/provision-on-demand", role: "operator", tag: "Records", summary: "Provision one user now (DN, name or GUID): import, scope, decide, match, action, result, under the channel's lease (409 CYCLE_RUNNING when a cycle holds it past 15 s)", body: S.ZUserQueryFields },
  { method: "post", path: "/channels/{id}/groups/{recordId}/retry", role: "operator", tag: "Records", summary: "Retry one dirty group record now: it skips its backoff and a cycle is asked for" },
  { method: "get", path: "/channels/{id}/history", role: "viewer", tag: "Channels", summary: "Cycles over time in buckets (range 6h, 24h or 7d): outcomes, durations, changes pushed, refusals, dirty and failing backlog", query: ZHistoryQuery },
  { method: "get", path: "/alerts", role: "admin", tag: "Alerts", summary: "Alert destinations (secrets masked) and the latest deliveries" },
  { method: "post", path: "/alerts", role: "admin", tag: "Alerts", summary: "Add a webhook or e-mail alert destination", body: ZAlertDestinationBody, created: true },
  { method: "put", path: "/alerts/{id}", role: "admin", tag: "Alerts", summary: "Change an alert destination; a secret left out is kept (an SMTP password for the same host only)", body: ZAlertDestinationBody },
  { method: "delete", path: "/alerts/{id}", role: "admin", tag: "Alerts", summary: "Delete an alert destination and its deliveries" },
  { method: "post", path: "/alerts/{id}/test", role: "admin", tag: "Alerts", summary: "Send a test alert now; answers whether it arrived and why not" },
  {
    method: "post",
    path: "/channels/{id}/test-target",
    role: "admin",
    tag: "Target",
    summary: "Test the channel's stored target: /ServiceProviderConfig, /Schemas, /ResourceTypes, filter forms, paging and PATCH probed with harmless requests; a suggested profile and warnings about settings that will fail",
  },
  { method: "get", path: "/channels/{id}/inventory", role: "viewer", tag: "Target", summary: "Unmanaged target users or groups (?kind=user|group): no record linked to them, as the last inventory found them; keyset-paged by name (?after=)", query: S.ZInventoryQuery },
  { method: "post", path: "/channels/{id}/inventory", role: "operator", tag: "Target", summary: "Take the target's inventory now: list its users and groups in pages (read-only at the target)" },
  { method: "post", path: "/channels/{id}/inventory/adopt", role: "admin", tag: "Target", summary: "Adopt an unmanaged target user for a directory user (linked at its next push instead of a create); user null takes it back", body: S.ZAdoptBody },
  { method: "post", path: "/channels/{id}/inventory/ignore", role: "operator", tag: "Target", summary: "Hide an unmanaged target user or group from the list (ignore: false shows it again); nothing is sent to the target", body: S.ZIgnoreBody },
  { method: "get", path: "/openapi.json", role: "viewer", tag: "Account", summary: "This document" },
];

function jsonSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: "input", unrepresentable: "any" }) as Record<string, unknown>;
  return rest;
}

const ERROR = {
  description: "An error",
  content: {
    "application/json": {
      schema: {
        type: "object",
        properties: {
          error: {
            type: "object",
            properties: { code: { type: "string" }, message: { type: "string" }, details: { type: "object" } },
            required: ["code", "message"],
          },
        },
      },
    },
  },
};

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const e of ENDPOINTS) {
    const parameters: unknown[] = [];
    for (const m of e.path.matchAll(/\{(\w+)\}/g)) {
      const name = m[1]!;
      parameters.push({
        name,
        in: "path",
        required: true,
        schema: name === "operation" ? { type: "string", enum: CHANNEL_OPERATIONS.map((o) => o.id) } : { type: "string", pattern: "^[0-9]+$" },
      });
    }
    if (e.query) {
      const qs = jsonSchema(e.query) as { properties?: Record<string, unknown> };
      for (const [name, schema] of Object.entries(qs.properties ?? {})) parameters.push({ name, in: "query", required: false, schema });
    }
    paths[e.path] ??= {};
    paths[e.path]![e.method] = {
      tags: [e.tag],
      summary: e.summary,
      description: `Role: ${e.role} or above.`,
      "x-ferry-role": e.role,
      ...(parameters.length ? { parameters } : {}),
      ...(e.body ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(e.body) } } } } : {}),
      responses: {
        [e.created ? "201" : "200"]: { description: "OK", content: { "application/json": { schema: { type: "object" } } } },
        "400": ERROR,
        "401": ERROR,
        "403": ERROR,
        "404": ERROR,
        "409": ERROR,
      },
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Ferry admin API",
      version: "1",
      description:
        "Channels, their provmgr operations, users, groups, nodes and the audit log. Authenticate with an API token (an admin creates it under Settings › API tokens): `Authorization: Bearer fry_…`. Console sessions also work, with the `x-csrf-token` header on every state change.",
    },
    servers: [{ url: "/api/v1" }],
    security: [{ bearer: [] }],
    components: {
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "fry_… API token" } },
      schemas: { ChannelFile: jsonSchema(ZChannelFile), ChannelEdit: jsonSchema(ZChannelEdit) },
    },
    paths,
  };
}
