// Sending one alert: a webhook POST (JSON, signed) or an e-mail (nodemailer over SMTP).
// Throws with what went wrong and where; the delivery (deliver.ts) records it and retries.
import { createHmac } from "node:crypto";
import nodemailer from "nodemailer";
import type { TEmailConfig, TWebhookConfig } from "./destinations.ts";

export type TAlertPayload = {
  /** failing, quarantined, quarantine-ended, held, recovered, or test */
  event: string;
  /** a few words: the subject of the e-mail */
  title: string;
  /** one line for people, with why: a chat message */
  summary: string;
  channel: { id: number; name: string; url: string | null } | null;
  health: { state: string; reason: string; since: string } | null;
  previous: string | null;
  quarantineUntil: string | null;
  at: string;
  delivery: string;
};

export const SIGNATURE_HEADER = "x-ferry-signature";
export const TIMESTAMP_HEADER = "x-ferry-timestamp";

/**
 * The webhook signature: HMAC-SHA256 over "<timestamp>.<body>" with the destination's
 * secret, hex, as "sha256=<hex>". Signing the timestamp lets a receiver refuse replays
 * (check that it is recent) as well as forgeries.
 */
export function signWebhook(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

const TIMEOUT_MS = 10_000;

export async function sendWebhook(config: TWebhookConfig, payload: TAlertPayload): Promise<void> {
  const body = JSON.stringify(payload);
  const timestamp = String(Math.floor(Date.now() / 1000));
  let res: Response;
  try {
    res = await fetch(config.url, {
      method: "POST",
      body,
      // a redirect is not followed: the alert (and its signature) goes where it was configured, nowhere else
      redirect: "manual",
      signal: AbortSignal.timeout(TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "Ferry-Alerts/1",
        "x-ferry-event": payload.event,
        "x-ferry-delivery": payload.delivery,
        [TIMESTAMP_HEADER]: timestamp,
        [SIGNATURE_HEADER]: signWebhook(config.secret, timestamp, body),
      },
    });
  } catch (err) {
    const e = err as Error & { cause?: { code?: string; message?: string } };
    const why = e.name === "TimeoutError" ? `no answer within ${TIMEOUT_MS / 1000} s` : (e.cause?.code ?? e.cause?.message ?? e.message);
    throw new Error(`POST ${hostOf(config.url)}: ${why}`);
  }
  const text = (await res.text().catch(() => "")).slice(0, 200).replace(/\s+/g, " ").trim();
  if (res.status >= 300 && res.status < 400) throw new Error(`POST ${hostOf(config.url)}: ${res.status} redirect to ${res.headers.get("location") ?? "?"}; set the webhook URL to the final address`);
  if (!res.ok) throw new Error(`POST ${hostOf(config.url)}: ${res.status}${text ? ` ${text}` : ""}`);
}

export async function sendEmail(config: TEmailConfig, payload: TAlertPayload): Promise<void> {
  const transport = nodemailer.createTransport({
    host: config.host,
    port: config.port,
    secure: config.security === "tls",
    requireTLS: config.security === "starttls",
    ignoreTLS: config.security === "none",
    ...(config.user ? { auth: { user: config.user, pass: config.password ?? "" } } : {}),
    connectionTimeout: TIMEOUT_MS,
    greetingTimeout: TIMEOUT_MS,
    socketTimeout: TIMEOUT_MS,
  });
  try {
    await transport.sendMail({
      from: config.from,
      to: config.to,
      subject: `[Ferry] ${payload.title}`,
      text: emailText(payload),
      headers: { "X-Ferry-Event": payload.event, "X-Ferry-Delivery": payload.delivery },
    });
  } catch (err) {
    throw new Error(`SMTP ${config.host}:${config.port}: ${(err as Error).message}`);
  } finally {
    transport.close();
  }
}

export function emailText(p: TAlertPayload): string {
  const lines = [p.summary, ""];
  if (p.health) {
    lines.push(`Health: ${p.health.state}${p.previous ? ` (was ${p.previous})` : ""}, since ${p.health.since}`);
    lines.push(`Why: ${p.health.reason}`);
  }
  if (p.quarantineUntil) lines.push(`Next try: ${p.quarantineUntil}`);
  if (p.channel?.url) lines.push("", `Open the channel: ${p.channel.url}`);
  lines.push("", `Sent by Ferry at ${p.at} (delivery ${p.delivery}).`);
  return lines.join("\n");
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
