// The job that sends one alert (lib/alerts/deliver.ts). graphile-worker retries a job
// that throws, with exponential backoff; on its last attempt the delivery is FAILED.
import type { JobHelpers } from "graphile-worker";
import { deliverAlert } from "../alerts/deliver.ts";

export async function deliverAlertHandler(payload: unknown, helpers: JobHelpers): Promise<void> {
  const id = (payload as { deliveryId?: string }).deliveryId;
  if (!id || !/^\d+$/.test(id)) return;
  await deliverAlert(BigInt(id), { final: helpers.job.attempts >= helpers.job.max_attempts });
}
