// "Provision on demand" (issue 13): one user, now — read from the directory, scope, map,
// decide against the store, match at the target, send, and the result, each step saying
// what it found (Entra's import, scope, match, action, result). It sends for real and
// writes the store through lib/records, with the same push as a cycle's
// (push-users.ts: pushUserRows), under the channel's lease: never beside a running cycle
// of the channel. It waits a little for a cycle that holds the lease, then refuses with
// CYCLE_RUNNING.
//
// Deprovisioning stays the guard's: a user the directory says is disabled is disabled
// (or deleted, per the Remove User Action) only after the guard says one user is within
// the channel's limits, and never when a held deprovisioning covers it (its approval
// decides). A user the directory does not return is never deprovisioned from here:
// whether someone is gone is a full read's to decide, through the guard.
import { referencedDns, referenceKeys } from "../mapping/references.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { readStoredChannel } from "../channel-config/stored.ts";
import { getDb } from "../db/index.ts";
import { rawViaPrisma } from "../db/raw.ts";
import { getEnv } from "../env.ts";
import { AppError } from "../errors.ts";
import { Directory } from "../ldap/directory.ts";
import { logger } from "../log.ts";
import { observeScimExchange } from "../metrics/registry.ts";
import { withRecord } from "../provisioning-log/context.ts";
import { ProvisioningLogWriter } from "../provisioning-log/writer.ts";
import { deprovisioningOf } from "../records/deprovisioning.ts";
import { loadUsersByGuid, writeUsersRead, type TUserUpsert } from "../records/user-records.ts";
import { rateGate } from "../governor/rate-gate.ts";
import { ScimClient } from "../scim/client.ts";
import { ScimError } from "../scim/errors.ts";
import { emptyStats, type TCycleContext } from "../sync/context.ts";
import type { TAction } from "../sync/decide.ts";
import { guardDeprovisioning } from "../sync/deprovision-guard.ts";
import { FencedError, Lease, LeaseHeldError } from "../sync/lease.ts";
import { pushUserRows } from "../sync/push-users.ts";
import type { TActor } from "./actor.ts";
import { explainWith, type TUserExplanation } from "./explain-user.ts";
import { describeQuery, type TUserQuery } from "./find-directory-user.ts";
import { requireChannel } from "./require-channel.ts";

export type TOnDemandStep = {
  step: "import" | "scope" | "decide" | "match" | "action" | "result";
  /** false: this step stopped the run or failed */
  ok: boolean;
  says: string;
  details?: Record<string, unknown>;
};

export type TOnDemandResult = {
  channelId: number;
  query: string;
  /** what was sent: the action, or NONE */
  action: TAction;
  /** the target acknowledged what was sent (true when nothing had to be sent) */
  ok: boolean;
  steps: TOnDemandStep[];
  recordId: string | null;
  /** how long it waited for a running cycle's lease (ms) */
  waitedMs: number;
};

/** How long provision on demand waits for a running cycle to end before refusing. */
export const LEASE_WAIT_MS = 15_000;

export async function provisionOnDemand(options: { channelId: number; user: TUserQuery; waitMs?: number } & TActor): Promise<TOnDemandResult> {
  const ch = await requireChannel(options.channelId);
  if (!ch.active || !ch.connectionActive) throw new AppError("CONFLICT", `channel ${ch.id} (${ch.name}) is inactive: activate it first`);
  const cfg = readStoredChannel(ch);
  const db = await getDb();
  const query = describeQuery(options.user);
  const t0 = Date.now();
  const lease = await acquireWaiting(db, ch.id, options.waitMs ?? LEASE_WAIT_MS);
  const waitedMs = Date.now() - t0;
  const log = logger.child({ channel: ch.id, onDemand: query });
  const steps: TOnDemandStep[] = [];
  let result: TOnDemandResult | undefined;
  const plog = ProvisioningLogWriter.enabled() ? new ProvisioningLogWriter(db, { channelId: ch.id, nodeId: null, cycleId: null }, log) : undefined;
  let client: ScimClient | undefined;
  let dir: Directory | undefined;
  try {
    dir = await Directory.open(cfg.source);
    const { explanation: ex, entry } = await explainWith(db, dir, { id: ch.id, ...cfg }, options.user, 0);
    const done = (action: TAction, ok: boolean, recordId: string | null): TOnDemandResult => ({ channelId: ch.id, query, action, ok, steps, recordId, waitedMs });

    // 1. import
    if (!ex.found || !entry) {
      steps.push({
        step: "import",
        ok: false,
        says: "not found: nothing sent; a full read decides, through the guard",
        ...(ex.record ? { details: { record: ex.record.id, targetState: ex.record.targetState, sourceState: ex.record.sourceState } } : {}),
      });
      result = done("NONE", true, ex.record?.id ?? null);
      return result;
    }
    steps.push({
      step: "import",
      ok: true,
      says: `read ${ex.found.dn} from the directory (found by ${ex.found.by})`,
      details: { dn: ex.found.dn, guid: ex.found.guid, timestamp: ex.found.timestamp },
    });

    // 2. scope
    steps.push({
      step: "scope",
      ok: ex.inScope,
      says: ex.inScope ? `in scope${ex.disabled ? ", disabled in the directory" : ""}: ${scopeWords(ex)}` : `${ex.summary}: nothing sent; a full read decides, through the guard`,
      details: { checks: ex.checks },
    });
    if (!ex.inScope) {
      result = done("NONE", true, ex.record?.id ?? null);
      return result;
    }
    const guid = ex.found.guid;
    if (!guid) {
      steps.push({ step: "decide", ok: false, says: `the entry has no ${cfg.source.guidAttribute}: Ferry cannot keep a record of it` });
      result = done("NONE", false, null);
      return result;
    }

    // 3. map and decide, against the store
    const mapped = ex.mapped!;
    let action: TAction = ex.decision.action;
    let decideSays = ex.decision.says;
    let lastError: string | null = null;
    if (mapped.values.userName === undefined) lastError = `no value for userName (mapping: ${JSON.stringify(cfg.mapping.user.userName)})`;
    // as the read does: a value the mapping cannot compute keeps the user dirty with it
    if (mapped.error && action !== "DISABLE" && action !== "DELETE") lastError = mapped.error;
    if (action === "DISABLE" || action === "DELETE") {
      const verdict = await guardOne(db, ch.id, cfg.options, ex);
      if (verdict) {
        decideSays = `disabled in the directory; ${verdict}: nothing sent`;
        action = "NONE";
      } else {
        decideSays = `disabled in the directory: ${action} — one user, within the deprovisioning guard (at most max(${cfg.options.deprovisionGuardMinimum}, ${cfg.options.maxDeprovisionPercent}%)${cfg.options.maxDeprovisionCount ? `, and at most ${cfg.options.maxDeprovisionCount},` : ""} per cycle)`;
      }
    }
    const rec = ex.record;
    const row: TUserUpsert = {
      guid,
      dn: ex.found.dn,
      providerName: mapped.values.userName === undefined ? null : String(mapped.values.userName),
      ldapTimestamp: ex.found.timestamp,
      sourceState: ex.disabled ? "DISABLED" : "IN_SCOPE",
      dirty: action !== "NONE" || lastError !== null,
      pendingAction: lastError ? "NONE" : action,
      pendingValues: action === "NONE" || action === "DISABLE" || action === "DELETE" ? null : { ...mapped.values, active: !ex.disabled },
      pendingHash: action === "NONE" || action === "DISABLE" || action === "DELETE" ? null : mapped.hash,
      ldapAttributes: entry.attrs,
      lastError,
      referenceDns: referencedDns(mapped.values, referenceKeys(cfg.mapping.user)),
    };
    await lease.write((tx) => writeUsersRead(tx, ch.id, [row]));
    const stored = (await loadUsersByGuid(db, ch.id, [guid])).get(guid)!;
    steps.push({
      step: "decide",
      ok: lastError === null,
      says: lastError ?? `${decideSays}${rec ? "" : " (new to the store)"}`,
      details: { action: row.pendingAction, values: mapped.values, changed: mapped.changed, record: rec },
    });
    if (lastError) {
      result = done("NONE", false, String(stored.id));
      return result;
    }

    // 4. match at the target, by userName (the push links by it too)
    const provisioningLog = plog;
    client = new ScimClient(cfg.target, {
      governor: rateGate(db, cfg.target),
      onExchange: (e) => {
        observeScimExchange(ch.id, e);
        provisioningLog?.exchange(e);
      },
    });
    const userName = String(mapped.values.userName);
    const recordCtx = { kind: "user" as const, id: stored.id, name: stored.providerName, guid, action: "lookup" };
    try {
      const found = await withRecord(recordCtx, () => client!.users.findByUserName(userName));
      steps.push({
        step: "match",
        ok: true,
        says: found
          ? `found at the target by userName ${userName}: id ${found.id}${stored.scimId && stored.scimId !== found.id ? ` (the store knew ${stored.scimId})` : ""}`
          : `no user ${userName} at the target${stored.scimId ? ` (the store knew id ${stored.scimId})` : ""}`,
        details: { scimId: found?.id ?? null, active: found?.active ?? null },
      });
    } catch (err) {
      steps.push({ step: "match", ok: false, says: `the target could not be asked: ${errorText(err)}` });
      if (action === "NONE") {
        result = done("NONE", false, String(stored.id));
        return result;
      }
    }

    // 5. action
    if (action === "NONE") {
      steps.push({ step: "action", ok: true, says: `nothing to send: ${decideSays}` });
      steps.push({ step: "result", ok: true, says: "nothing changed at the target or in the store's states" });
      result = done("NONE", true, String(stored.id));
      return result;
    }
    const ctx: TCycleContext = {
      db,
      raw: rawViaPrisma(db),
      channel: { id: ch.id, name: ch.name, groupTimestamp: ch.groupTimestamp, attributeSyncTimestamp: ch.attributeSyncTimestamp, lastFullSyncAt: ch.lastFullSyncAt },
      cfg,
      log,
      stats: emptyStats(),
      lease,
    };
    const [outcome] = await pushUserRows(ctx, client, [stored]);
    const after = (await loadUsersByGuid(db, ch.id, [guid])).get(guid);
    if (outcome?.ok) {
      steps.push({ step: "action", ok: true, says: `${action} sent; the target acknowledged it` });
      steps.push({
        step: "result",
        ok: true,
        says: after
          ? `at the target: ${after.targetState.toLowerCase()}${after.scimId ? `, id ${after.scimId}` : ""}; the store's record is clean. Its groups follow with the next cycle`
          : "gone from the target and from the store",
        details: { scimId: after?.scimId ?? null, targetState: after?.targetState ?? "ABSENT" },
      });
      result = done(action, true, String(stored.id));
    } else {
      const error = outcome && !outcome.ok ? outcome.error : "no outcome";
      steps.push({ step: "action", ok: false, says: `${action} sent; the target refused it: ${error}` });
      steps.push({
        step: "result",
        ok: false,
        says: `the record stays dirty with this error (attempt ${after?.attempts ?? "?"}); the next cycle tries again after its backoff, or provision now again`,
        details: { error },
      });
      result = done(action, false, String(stored.id));
    }
    return result;
  } catch (err) {
    await recordAudit({
      actor: options.actor,
      via: options.via,
      channelId: ch.id,
      action: "provision-on-demand",
      details: { user: query, ok: false, error: err instanceof Error ? err.message : String(err) },
    }).catch(() => undefined);
    if (err instanceof FencedError) {
      // an operator's reset of the channel ended the lease while this ran: it wrote nothing after that
      throw new AppError("CONFLICT", `the channel was reset while this user was provisioned; nothing more was written: ${err.message}`);
    }
    throw err;
  } finally {
    await dir?.close().catch(() => undefined);
    await client?.close().catch(() => undefined);
    await plog?.close().catch(() => undefined);
    await lease.release().catch(() => undefined);
    if (result) {
      await recordAudit({
        actor: options.actor,
        via: options.via,
        channelId: ch.id,
        action: "provision-on-demand",
        details: { user: query, action: result.action, ok: result.ok, recordId: result.recordId },
      });
    }
  }
}

/** The channel's lease, waiting for a cycle that holds it (polling); CYCLE_RUNNING past `waitMs`. */
async function acquireWaiting(db: Awaited<ReturnType<typeof getDb>>, channelId: number, waitMs: number): Promise<Lease> {
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      return await Lease.acquire({ db, channelId, durationSec: getEnv().FERRY_LEASE_SEC });
    } catch (err) {
      if (!(err instanceof LeaseHeldError)) throw err;
      if (Date.now() >= deadline) {
        throw new AppError("CYCLE_RUNNING", `a cycle of channel ${channelId} is running; try again when it ends (waited ${Math.round(waitMs / 1000)} s)`, {
          channelId,
          waitedMs: waitMs,
        });
      }
      await new Promise((r) => setTimeout(r, Math.min(250, Math.max(10, deadline - Date.now()))));
    }
  }
}

/**
 * The guard's word on deprovisioning this one user: null when it may go, else why not.
 * A hold covering it waits for its approval (a rejected one makes explain's decision NONE); otherwise the guard is asked as a cycle
 * would ask it for one awaiting user.
 */
async function guardOne(
  db: Awaited<ReturnType<typeof getDb>>,
  channelId: number,
  options: Parameters<typeof deprovisioningOf>[3],
  ex: TUserExplanation,
): Promise<string | null> {
  if (ex.hold && (ex.hold.status === "HELD" || ex.hold.status === "APPROVED")) {
    return `held for approval in deprovisioning hold #${ex.hold.id} (${ex.hold.reason}): approve the hold to release it`;
  }
  const d = deprovisioningOf(db, channelId, "users", options);
  if (!d) return "the channel does not deprovision users";
  const { base } = await d.base();
  const v = guardDeprovisioning({ kind: "users", awaiting: 1, approved: 0, base, inScope: 1, options });
  return v.verdict === "hold" ? `the deprovisioning guard holds even one (${v.reason}); a cycle decides, through the guard` : null;
}

function scopeWords(ex: TUserExplanation): string {
  return ex.checks
    .filter((c) => c.rule !== "scope")
    .map((c) => c.says)
    .join("; ");
}

function errorText(err: unknown): string {
  return err instanceof ScimError ? `${err.kind}: ${err.message}` : err instanceof Error ? err.message : String(err);
}
