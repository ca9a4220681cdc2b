// The alerts' outbox. An event is written as one delivery per destination that wants it
// (or SUPPRESSED when the same event of the same channel went to it within its quiet
// period: a flapping channel does not flood anyone), then a job on the worker's job
// runtime (graphile-worker, the same one that runs cycles) sends it, retrying with
// graphile-worker's exponential backoff (8 attempts over about an hour and a half).
import { getDb } from "../db/index.ts";
import { getEnv } from "../env.ts";
import { logger } from "../log.ts";
import { plainConfig, requireDestination } from "./destinations.ts";
import { ALERT_EVENT_LABELS, type TAlertEvent } from "./events.ts";
import { sendEmail, sendWebhook, type TAlertPayload } from "./send.ts";

export const DELIVER_ALERT = "deliver-alert";
export const DELIVERY_ATTEMPTS = 8;

export type TAlertFacts = {
  channel: { id: number; name: string };
  health: { state: string; reason: string; since: Date };
  previous: string | null;
  quarantineUntil: Date | null;
};

const iso = (d: Date) => d.toISOString().replace(/\.\d{3}Z$/, "Z");

export function channelUrl(id: number): string | null {
  const base = getEnv().FERRY_PUBLIC_URL;
  return base ? `${base.replace(/\/+$/, "")}/channels/${id}` : null;
}

function payloadOf(event: TAlertEvent | "test", facts: TAlertFacts | null, delivery: string): TAlertPayload {
  const title = facts ? `Channel "${facts.channel.name}" (#${facts.channel.id}) ${ALERT_EVENT_LABELS[event]}` : "A test alert from Ferry";
  const summary = facts ? `${title}${event === "recovered" ? "" : `: ${facts.health.reason}`}` : "A test alert from Ferry: this destination works";
  return {
    event,
    title,
    summary: summary.length > 300 ? `${summary.slice(0, 297)}...` : summary,
    channel: facts ? { ...facts.channel, url: channelUrl(facts.channel.id) } : null,
    health: facts ? { state: facts.health.state, reason: facts.health.reason, since: iso(facts.health.since) } : null,
    previous: facts?.previous ?? null,
    quarantineUntil: facts?.quarantineUntil ? iso(facts.quarantineUntil) : null,
    at: iso(new Date()),
    delivery,
  };
}

/** Writes the deliveries an event makes and asks the worker to send them. Returns their ids. */
export async function queueAlerts(events: TAlertEvent[], facts: TAlertFacts): Promise<{ queued: bigint[]; suppressed: bigint[] }> {
  const out = { queued: [] as bigint[], suppressed: [] as bigint[] };
  if (events.length === 0) return out;
  const db = await getDb();
  const destinations = await db.alertDestination.findMany({ where: { enabled: true } });
  for (const event of events) {
    for (const d of destinations) {
      if (d.events.length > 0 && !d.events.includes(event)) continue;
      if (d.channelIds.length > 0 && !d.channelIds.includes(facts.channel.id)) continue;
      const recent =
        d.quietMinutes > 0
          ? await db.alertDelivery.count({
              where: {
                destinationId: d.id,
                channelId: facts.channel.id,
                event,
                status: { in: ["PENDING", "SENT"] },
                createdAt: { gt: new Date(Date.now() - d.quietMinutes * 60_000) },
              },
            })
          : 0;
      const row = await db.alertDelivery.create({
        data: { destinationId: d.id, channelId: facts.channel.id, event, payload: {}, status: recent > 0 ? "SUPPRESSED" : "PENDING" },
      });
      await db.alertDelivery.update({ where: { id: row.id }, data: { payload: payloadOf(event, facts, String(row.id)) as object } });
      if (recent > 0) out.suppressed.push(row.id);
      else {
        out.queued.push(row.id);
        await addDeliveryJob(row.id);
      }
    }
  }
  return out;
}

/** Asks the worker to send a delivery; without a worker's job schema it waits for one (sendPendingAlerts). */
async function addDeliveryJob(id: bigint): Promise<void> {
  const db = await getDb();
  const [installed] = await db.$queryRawUnsafe<Array<{ ok: boolean }>>(
    `SELECT EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE n.nspname = 'graphile_worker' AND p.proname = 'add_job') AS ok`,
  );
  if (!installed?.ok) return;
  await db.$queryRawUnsafe(
    `SELECT graphile_worker.add_job($1::text, json_build_object('deliveryId', $2::text), max_attempts => $3::int, job_key => $4::text)`,
    DELIVER_ALERT,
    String(id),
    DELIVERY_ATTEMPTS,
    `alert:${id}`,
  );
}

/**
 * Sends one delivery and records the outcome. A failure is recorded and thrown (the job
 * runtime tries again later); after the last attempt the delivery is FAILED.
 */
export async function deliverAlert(id: bigint, attempt: { final: boolean } = { final: false }): Promise<void> {
  const db = await getDb();
  const row = await db.alertDelivery.findUnique({ where: { id } });
  if (!row || row.status !== "PENDING") return; // sent already, or its destination was deleted
  const dest = await requireDestination(row.destinationId).catch(() => null);
  if (!dest) return;
  try {
    await sendTo(dest, row.payload as TAlertPayload);
    await db.alertDelivery.update({ where: { id }, data: { status: "SENT", attempts: { increment: 1 }, sentAt: new Date(), lastError: null } });
  } catch (err) {
    const message = (err as Error).message;
    await db.alertDelivery.update({ where: { id }, data: { attempts: { increment: 1 }, lastError: message, ...(attempt.final ? { status: "FAILED" } : {}) } });
    logger.warn("alert not delivered", { delivery: String(id), destination: dest.name, error: message, final: attempt.final });
    throw err;
  }
}

async function sendTo(dest: Parameters<typeof plainConfig>[0], payload: TAlertPayload): Promise<void> {
  const p = plainConfig(dest);
  if (p.kind === "webhook") await sendWebhook(p.config, payload);
  else await sendEmail(p.config, payload);
}

/** "Send a test": sent now, from the asking process, and recorded like any delivery. */
export async function sendTestAlert(destinationId: number): Promise<{ ok: boolean; error: string | null; delivery: string }> {
  const db = await getDb();
  const dest = await requireDestination(destinationId);
  const row = await db.alertDelivery.create({ data: { destinationId: dest.id, event: "test", payload: {}, status: "PENDING" } });
  const payload = payloadOf("test", null, String(row.id));
  await db.alertDelivery.update({ where: { id: row.id }, data: { payload: payload as object } });
  try {
    await deliverAlert(row.id, { final: true });
    return { ok: true, error: null, delivery: String(row.id) };
  } catch (err) {
    return { ok: false, error: (err as Error).message, delivery: String(row.id) };
  }
}

/** Sends every PENDING delivery now (the tests' way in, and a node's after its job runtime was gone). */
export async function sendPendingAlerts(): Promise<{ sent: number; failed: number }> {
  const db = await getDb();
  const pending = await db.alertDelivery.findMany({ where: { status: "PENDING" }, select: { id: true }, orderBy: { id: "asc" }, take: 500 });
  let sent = 0;
  let failed = 0;
  for (const p of pending) {
    try {
      await deliverAlert(p.id);
      sent++;
    } catch {
      failed++;
    }
  }
  return { sent, failed };
}

export type TAlertDeliveryView = { id: string; destinationId: number; channelId: number | null; event: string; status: string; attempts: number; lastError: string | null; createdAt: Date; sentAt: Date | null; summary: string };

export async function listAlertDeliveries(options: { limit?: number } = {}): Promise<TAlertDeliveryView[]> {
  const db = await getDb();
  const rows = await db.alertDelivery.findMany({ orderBy: { id: "desc" }, take: Math.min(Math.max(options.limit ?? 50, 1), 200) });
  return rows.map((r) => ({
    id: String(r.id),
    destinationId: r.destinationId,
    channelId: r.channelId,
    event: r.event,
    status: r.status,
    attempts: r.attempts,
    lastError: r.lastError,
    createdAt: r.createdAt,
    sentAt: r.sentAt,
    summary: (r.payload as Partial<TAlertPayload>).summary ?? "",
  }));
}
