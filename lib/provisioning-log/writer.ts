// Writes provisioning-log entries in batches, off the cycle's hot path: add() only queues;
// a batch is inserted when 500 are waiting or a second has passed (one INSERT from
// arrays), and close() writes the rest when the cycle ends. A log write that fails is
// logged and dropped: the log never fails or slows a cycle down by waiting.
import type { TSql } from "../db/index.ts";
import { getEnv } from "../env.ts";
import type { TLogger } from "../log.ts";
import type { TExchangeInfo } from "../scim/transport.ts";
import { classifyStatus } from "../scim/errors.ts";
import { actionOf, currentRecord } from "./context.ts";
import { ensurePartitions } from "./partitions.ts";
import { redactBody } from "./redact.ts";

export type TLogEntry = {
  at: Date;
  recordKind: string | null;
  recordId: bigint | null;
  recordName: string | null;
  recordGuid: string | null;
  action: string;
  method: string;
  path: string;
  status: number;
  durationMs: number;
  attempt: number;
  error: string | null;
  requestBody: string | null;
  responseBody: string | null;
};

const BATCH = 500;
const EVERY_MS = 1_000;

export class ProvisioningLogWriter {
  private buffer: TLogEntry[] = [];
  private writing: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | null = null;
  written = 0;
  dropped = 0;

  constructor(
    private readonly db: TSql,
    private readonly where: { channelId: number; nodeId: number | null; cycleId: bigint | null },
    private readonly log?: TLogger,
  ) {}

  /** The provisioning log is on unless FERRY_PROVISIONING_LOG_DAYS is 0. */
  static enabled(): boolean {
    return getEnv().FERRY_PROVISIONING_LOG_DAYS > 0;
  }

  /** The transport's exchange hook: one entry per HTTP exchange, with the record it was for. */
  exchange(e: TExchangeInfo): void {
    const record = currentRecord();
    const error =
      e.status === 0
        ? (e.networkError ?? "no answer")
        : e.status >= 400
          ? `${classifyStatus(e.status)}: ${e.status}`
          : e.status >= 300
            ? `redirect: ${e.status}`
            : null;
    this.add({
      at: new Date(),
      recordKind: record?.kind ?? null,
      recordId: record?.id ?? null,
      recordName: record?.name ?? null,
      recordGuid: record?.guid ?? null,
      action: actionOf(e.method, e.path, record),
      method: e.method,
      path: e.path.length > 500 ? `${e.path.slice(0, 500)}…` : e.path,
      status: e.status,
      durationMs: Math.round(e.seconds * 1000),
      attempt: e.attempt,
      error,
      requestBody: redactBody(e.requestBody),
      responseBody: redactBody(e.responseText),
    });
  }

  add(entry: TLogEntry): void {
    this.buffer.push(entry);
    if (this.buffer.length >= BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), EVERY_MS);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.buffer.length === 0) return;
    const batch = this.buffer;
    this.buffer = [];
    this.writing = this.writing.then(() => this.insert(batch));
  }

  /** Writes what is queued and waits for every batch. */
  async close(): Promise<void> {
    this.flush();
    await this.writing;
  }

  private async insert(batch: TLogEntry[]): Promise<void> {
    try {
      await ensurePartitions(this.db, batch[0]!.at);
      const col = <K extends keyof TLogEntry>(k: K) => batch.map((e) => e[k]);
      await this.db.$executeRawUnsafe(
        `INSERT INTO provisioning_log (at, channel_id, node_id, cycle_id, record_kind, record_id, record_name, record_guid, action, method, path, status, duration_ms, attempt, error, request_body, response_body)
         SELECT u.at, $1, $2, $3, u.kind, u.rid, u.rname, u.rguid, u.action, u.method, u.path, u.status, u.ms, u.attempt, u.error, u.req, u.res
         FROM unnest($4::timestamp[], $5::text[], $6::bigint[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::int[], $13::int[], $14::int[], $15::text[], $16::text[], $17::text[])
           AS u(at, kind, rid, rname, rguid, action, method, path, status, ms, attempt, error, req, res)`,
        this.where.channelId,
        this.where.nodeId,
        this.where.cycleId,
        col("at"),
        col("recordKind"),
        col("recordId"),
        col("recordName"),
        col("recordGuid"),
        col("action"),
        col("method"),
        col("path"),
        col("status"),
        col("durationMs"),
        col("attempt"),
        col("error"),
        col("requestBody"),
        col("responseBody"),
      );
      this.written += batch.length;
    } catch (err) {
      this.dropped += batch.length;
      this.log?.warn("provisioning log: a batch could not be written", { entries: batch.length, error: (err as Error).message });
    }
  }
}
