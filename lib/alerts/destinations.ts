// Alert destinations: a webhook (JSON, HMAC-signed) or e-mail (SMTP). What the API takes,
// what the store keeps (secrets encrypted), and what the console and the API show
// (secrets masked). An SMTP password is sent only to the SMTP host it was entered for:
// when the host changes, it must be entered again (as channel secrets, secret-hosts.ts).
import { z } from "zod";
import { recordAudit } from "../audit/record-audit.ts";
import type { TActor } from "../channels/actor.ts";
import { decryptSecret, encryptSecret, maskSecret } from "../crypto/secrets.ts";
import { getDb } from "../db/index.ts";
import { AppError } from "../errors.ts";
import { ALERT_EVENTS, type TAlertEvent } from "./events.ts";

const ZHttpUrl = z
  .string()
  .trim()
  .url("must be a URL")
  .refine((u) => /^https?:$/.test(new URL(u).protocol), "must be an http:// or https:// URL");
const ZEmail = z.string().trim().email("must be an e-mail address");

const ZCommon = {
  name: z.string().trim().min(1).max(100),
  enabled: z.boolean().default(true),
  /** none: every event */
  events: z.array(z.enum(ALERT_EVENTS)).max(ALERT_EVENTS.length).default([]),
  /** none: every channel */
  channelIds: z.array(z.number().int().positive()).max(1000).default([]),
  quietMinutes: z.number().int().min(0).max(24 * 60).default(30),
};

/** The webhook's signing secret: at least 16 characters; absent on an update keeps the stored one. */
const ZWebhookInput = z.object({ url: ZHttpUrl, secret: z.string().min(16, "a signing secret has at least 16 characters").max(500).optional() });
const ZEmailInput = z.object({
  host: z.string().trim().min(1).max(255),
  port: z.number().int().min(1).max(65535).default(587),
  /** tls: TLS from the start (465); starttls: upgrade required (587); none: plain (a local relay) */
  security: z.enum(["tls", "starttls", "none"]).default("starttls"),
  user: z.string().trim().max(255).optional(),
  /** absent on an update keeps the stored one (same host only) */
  password: z.string().max(500).optional(),
  from: ZEmail,
  to: z.array(ZEmail).min(1, "at least one recipient").max(50),
});

export const ZAlertDestinationBody = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("webhook"), ...ZCommon, webhook: ZWebhookInput }).strict(),
  z.object({ kind: z.literal("email"), ...ZCommon, email: ZEmailInput }).strict(),
]);
export type TAlertDestinationBody = z.infer<typeof ZAlertDestinationBody>;

/** As stored in alert_destination.config. */
export type TWebhookConfig = { url: string; secret: string };
export type TEmailConfig = { host: string; port: number; security: "tls" | "starttls" | "none"; user: string | null; password: string | null; from: string; to: string[] };

export type TAlertDestinationView = {
  id: number;
  name: string;
  kind: "webhook" | "email";
  enabled: boolean;
  events: TAlertEvent[];
  channelIds: number[];
  quietMinutes: number;
  /** where it goes, in one line */
  target: string;
  webhook?: { url: string; secret: string };
  email?: Omit<TEmailConfig, "password"> & { password: string };
  createdBy: string;
  createdAt: Date;
  lastDelivery: { status: string; at: Date; event: string; error: string | null } | null;
};

type TRow = { id: number; name: string; kind: string; enabled: boolean; events: string[]; channelIds: number[]; quietMinutes: number; config: unknown; createdBy: string; createdAt: Date };

export function viewOf(r: TRow, last: TAlertDestinationView["lastDelivery"] = null): TAlertDestinationView {
  const base = {
    id: r.id,
    name: r.name,
    enabled: r.enabled,
    events: r.events as TAlertEvent[],
    channelIds: r.channelIds,
    quietMinutes: r.quietMinutes,
    createdBy: r.createdBy,
    createdAt: r.createdAt,
    lastDelivery: last,
  };
  if (r.kind === "webhook") {
    const c = r.config as TWebhookConfig;
    return { ...base, kind: "webhook", target: c.url, webhook: { url: c.url, secret: maskSecret(c.secret) } };
  }
  const c = r.config as TEmailConfig;
  return {
    ...base,
    kind: "email",
    target: `${c.to.join(", ")} via ${c.host}:${c.port}`,
    email: { host: c.host, port: c.port, security: c.security, user: c.user, password: c.password ? maskSecret(c.password) : "", from: c.from, to: c.to },
  };
}

/** The stored config for a body: new secrets encrypted, absent ones kept from `stored` where allowed. */
function configOf(body: TAlertDestinationBody, stored: TRow | null): TWebhookConfig | TEmailConfig {
  if (body.kind === "webhook") {
    const old = stored?.kind === "webhook" ? (stored.config as TWebhookConfig) : null;
    if (body.webhook.secret === undefined && !old) throw new AppError("INVALID_ARGUMENT", "webhook.secret: a signing secret is required");
    return { url: body.webhook.url, secret: body.webhook.secret !== undefined ? encryptSecret(body.webhook.secret) : old!.secret };
  }
  const e = body.email;
  const old = stored?.kind === "email" ? (stored.config as TEmailConfig) : null;
  let password: string | null = null;
  if (e.password !== undefined) password = e.password === "" ? null : encryptSecret(e.password);
  else if (old?.password) {
    // the stored password goes to the host it was entered for, never to another one
    if (old.host.toLowerCase() !== e.host.toLowerCase()) {
      throw new AppError("INVALID_ARGUMENT", `email.password: the SMTP host changed from ${old.host} to ${e.host}; enter the password again`);
    }
    password = old.password;
  }
  return { host: e.host, port: e.port, security: e.security, user: e.user || null, password, from: e.from, to: e.to };
}

export async function listAlertDestinations(): Promise<TAlertDestinationView[]> {
  const db = await getDb();
  const rows = await db.alertDestination.findMany({ orderBy: { id: "asc" } });
  const last = await db.$queryRawUnsafe<Array<{ destination_id: number; status: string; created_at: Date; event: string; last_error: string | null }>>(
    `SELECT DISTINCT ON (destination_id) destination_id, status, created_at, event, last_error FROM alert_delivery ORDER BY destination_id, id DESC`,
  );
  const byId = new Map(last.map((l) => [l.destination_id, { status: l.status, at: l.created_at, event: l.event, error: l.last_error }]));
  return rows.map((r) => viewOf(r, byId.get(r.id) ?? null));
}

export async function createAlertDestination(options: { body: TAlertDestinationBody } & TActor): Promise<TAlertDestinationView> {
  const db = await getDb();
  const b = options.body;
  const row = await db.alertDestination.create({
    data: { name: b.name, kind: b.kind, enabled: b.enabled, events: b.events, channelIds: b.channelIds, quietMinutes: b.quietMinutes, config: configOf(b, null), createdBy: options.actor },
  });
  await recordAudit({ ...options, action: "alert-destination.create", details: { id: row.id, name: row.name, kind: row.kind, target: viewOf(row).target } });
  return viewOf(row);
}

export async function updateAlertDestination(options: { id: number; body: TAlertDestinationBody } & TActor): Promise<TAlertDestinationView> {
  const db = await getDb();
  const stored = await requireDestination(options.id);
  const b = options.body;
  const row = await db.alertDestination.update({
    where: { id: stored.id },
    data: { name: b.name, kind: b.kind, enabled: b.enabled, events: b.events, channelIds: b.channelIds, quietMinutes: b.quietMinutes, config: configOf(b, stored) },
  });
  await recordAudit({ ...options, action: "alert-destination.update", details: { id: row.id, name: row.name, kind: row.kind, target: viewOf(row).target, enabled: row.enabled } });
  return viewOf(row);
}

export async function deleteAlertDestination(options: { id: number } & TActor): Promise<{ deleted: true }> {
  const db = await getDb();
  const stored = await requireDestination(options.id);
  await db.alertDestination.delete({ where: { id: stored.id } });
  await recordAudit({ ...options, action: "alert-destination.delete", details: { id: stored.id, name: stored.name } });
  return { deleted: true };
}

export async function requireDestination(id: number): Promise<TRow> {
  const db = await getDb();
  const row = await db.alertDestination.findUnique({ where: { id } });
  if (!row) throw new AppError("NOT_FOUND", `no alert destination ${id}`);
  return row;
}

/** A stored destination's secrets, decrypted, to send with. */
export function plainConfig(row: TRow): { kind: "webhook"; config: TWebhookConfig } | { kind: "email"; config: TEmailConfig } {
  if (row.kind === "webhook") {
    const c = row.config as TWebhookConfig;
    return { kind: "webhook", config: { ...c, secret: decryptSecret(c.secret) } };
  }
  const c = row.config as TEmailConfig;
  return { kind: "email", config: { ...c, password: c.password ? decryptSecret(c.password) : null } };
}
