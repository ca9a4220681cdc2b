// provmgr: the command-line tool for Ferry's provisioning store, with the original
// outbound-provisioning CLI's arguments (seed 000). Each command is one lib function —
// the same one the console and the API call; this file only parses, dispatches, prints
// and turns failures into one line and an exit code. Run through bin/provmgr.js
// (`npx provmgr`, bin/provmgr.sh) or `node --import tsx cli/provmgr.ts`.
import path from "node:path";
import { CommanderError } from "commander";
import { isChannelOperation, operationById, type TOperationCall } from "../lib/channels/operations.ts";
import { getEnv, getProvmgrEnv, setEnvDefaults } from "../lib/env.ts";
import { AppError, toAppError, type TErrorCode } from "../lib/errors.ts";
import type { TCommandContext, TSummary } from "./context.ts";
import { oneLine, printable, toJson } from "./format.ts";
import { INSTALL_DIR, openProvLog, type TProvLog } from "./log.ts";
import { createOutput } from "./output.ts";
import { buildProgram, toInvocation, type TCommandName, type TInvocation, type TOwnCommandName } from "./program.ts";

type THandler = (ctx: TCommandContext, inv: TInvocation) => Promise<TSummary>;

/** toInvocation guarantees the IDs a command needs; these read them back typed. */
const channel = (inv: TInvocation): number => ("channelId" in inv ? inv.channelId : missing("-c"));
const node = (inv: TInvocation): number => ("nodeId" in inv ? inv.nodeId : missing("-n"));
const lookup = (inv: TInvocation) => (inv.needs === "channel+record" ? inv.lookup : missing("-u/-g"));
const planOptions = (inv: TInvocation) => (inv.needs === "channel+plan" ? { full: inv.full, limit: inv.limit } : missing("--show-plan"));
const hold = (inv: TInvocation) => (inv.needs === "channel+hold" ? { holdId: inv.holdId, count: inv.count, reason: inv.reason } : missing("--hold/--count"));
function missing(flag: string): never {
  throw new AppError("INVALID_ARGUMENT", `${flag} is missing`);
}

// Command modules (and with them Prisma) load only when a command runs: --help and a
// mistyped argument answer at once, and need no database.
const channels = () => import("./commands/channels.ts");
const nodes = () => import("./commands/nodes.ts");
const records = () => import("./commands/records.ts");
const resets = () => import("./commands/resets.ts");
const show = () => import("./commands/show.ts");
const holds = () => import("./commands/holds.ts");
const onDemand = () => import("./commands/on-demand.ts");
const health = () => import("./commands/health.ts");
const plan = () => import("./commands/plan.ts");
const target = () => import("./commands/target.ts");

/** provmgr's own commands: one handler each. */
const HANDLERS: Record<TOwnCommandName, THandler> = {
  "show-channels": async (ctx) => (await channels()).showChannels(ctx),
  "show-nodes": async (ctx) => (await nodes()).showNodes(ctx),
  "force-node-backup": async (ctx, inv) => (await nodes()).forceNodeBackup(ctx, node(inv)),
  "show-dirty-records": async (ctx, inv) => (await records()).showDirty(ctx, channel(inv), "all"),
  "show-dirty-group-records": async (ctx, inv) => (await records()).showDirty(ctx, channel(inv), "groups"),
  "show-dirty-user-records": async (ctx, inv) => (await records()).showDirty(ctx, channel(inv), "users"),
  "show-user": async (ctx, inv) => (await show()).showUser(ctx, channel(inv), lookup(inv)),
  "show-group": async (ctx, inv) => (await show()).showGroup(ctx, channel(inv), lookup(inv)),
  "explain-user": async (ctx, inv) => (await onDemand()).explainUserCommand(ctx, channel(inv), lookup(inv)),
  "explain-group": async (ctx, inv) => (await onDemand()).explainGroupCommand(ctx, channel(inv), lookup(inv)),
  "provision-user": async (ctx, inv) => (await onDemand()).provisionUserCommand(ctx, channel(inv), lookup(inv)),
  "show-target": async (ctx, inv) => (await channels()).showTarget(ctx, channel(inv)),
  "show-source": async (ctx, inv) => (await channels()).showSource(ctx, channel(inv)),
  "show-holds": async (ctx, inv) => (await holds()).showHolds(ctx, channel(inv)),
  "approve-hold": async (ctx, inv) => (await holds()).approveHold(ctx, channel(inv), hold(inv)),
  "reject-hold": async (ctx, inv) => (await holds()).rejectHold(ctx, channel(inv), hold(inv)),
  "show-plan": async (ctx, inv) => (await plan()).showPlan(ctx, channel(inv), planOptions(inv)),
  "test-target": async (ctx, inv) => (await target()).testTarget(ctx, channel(inv)),
  "take-inventory": async (ctx, inv) => (await target()).takeInventory(ctx, channel(inv)),
  "show-unmanaged": async (ctx, inv) => (await target()).showUnmanaged(ctx, channel(inv)),
};

/** The channel operations: one handler per lib function they call (lib/channels/operations.ts). */
async function runOperation(ctx: TCommandContext, channelId: number, call: TOperationCall): Promise<TSummary> {
  switch (call.fn) {
    case "reset-group-timestamp":
      return (await resets()).resetGroupTimestamp(ctx, channelId);
    case "reset-attribute-sync":
      return (await resets()).resetAttributeSync(ctx, channelId);
    case "reset-values-hash":
      return (await resets()).resetValuesHash(ctx, channelId);
    case "reset-all":
      return (await resets()).resetAll(ctx, channelId);
    case "clear-dirty-records":
      return (await records()).clearDirty(ctx, channelId, call.kind);
    case "delete-dirty-records":
      return (await records()).deleteDirty(ctx, channelId, call.kind);
    case "delete-all":
      return (await records()).deleteAll(ctx, channelId, call.keepGroups);
    case "retry-now":
      return (await health()).retryFailed(ctx, channelId);
    case "release-quarantine":
      return (await health()).releaseQuarantine(ctx, channelId);
    case "run-now":
      return (await health()).runNow(ctx, channelId, call.full);
  }
}

function handlerOf(command: TCommandName): THandler {
  if (!isChannelOperation(command)) return HANDLERS[command];
  const { call } = operationById(command);
  return (ctx, inv) => runOperation(ctx, channel(inv), call);
}

/** What to do about it, where the message itself does not say. */
const HINTS: Partial<Record<TErrorCode, string>> = {
  INVALID_ARGUMENT: "run provmgr --help for the arguments",
  DATABASE_UNAVAILABLE: "check DATABASE_URL (without it, the embedded database under FERRY_DATA_DIR) and that PostgreSQL is running",
};

/** The one place a failure is reported: one line on stderr, a JSON error with --json, the log, the exit code. */
function handleError(err: unknown, o: { json: boolean; command: string; log?: TProvLog }): number {
  const e = toAppError(err);
  const hint = HINTS[e.code];
  const message = printable(oneLine(e.message));
  // a message that already names the provmgr command to run needs no second hint
  const line = hint && !/provmgr --/.test(message) ? `${message} — ${hint}` : e.code === "INTERNAL" && o.log?.file ? `${message} (see ${o.log.file})` : message;
  process.stderr.write(`provmgr: error: ${line}\n`);
  if (o.json) process.stdout.write(toJson({ command: o.command, error: { code: e.code, exitCode: e.exitCode, message: line } }, 2) + "\n");
  o.log?.error("failed", { command: o.command, code: e.code, exit: e.exitCode, message });
  if (e.code === "INTERNAL") {
    const cause = e.cause instanceof Error ? e.cause : e;
    o.log?.error("stack", { stack: cause.stack ?? String(cause) });
  }
  return e.exitCode;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Opens the store before the command runs, within FERRY_PROVMGR_DB_TIMEOUT_SEC (15 s):
 * the PostgreSQL driver has no connect timeout of its own, and a cron job must not hang
 * for minutes on a database host that does not answer. The embedded database (no
 * DATABASE_URL) is local and may need longer on its first start: no limit there.
 */
async function openStore(): Promise<void> {
  const timeoutSec = getProvmgrEnv().FERRY_PROVMGR_DB_TIMEOUT_SEC;
  const { getDb } = await import("../lib/db/index.ts");
  if (!getEnv().DATABASE_URL) {
    await getDb();
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      storeStuck = true;
      reject(new AppError("DATABASE_UNAVAILABLE", `the Ferry database did not answer within ${timeoutSec} s`));
    }, timeoutSec * 1000);
  });
  try {
    await Promise.race([getDb(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** An attempt to connect is still hanging: closing the store would wait for it. */
let storeStuck = false;

async function main(argv: string[]): Promise<number> {
  // like the original in <pf_install>/bin, provmgr works on the installation's store
  // wherever it is started from
  setEnvDefaults({ FERRY_DATA_DIR: path.join(INSTALL_DIR, "data") });
  const json = argv.includes("--json");
  let command = "(none)";
  let log: TProvLog | undefined;
  const t0 = Date.now();
  try {
    log = openProvLog();
    const program = buildProgram();
    program.configureOutput({ writeOut: (s) => process.stdout.write(s), writeErr: () => undefined, outputError: () => undefined });
    if (argv.length === 0) {
      program.outputHelp();
      return 0;
    }
    try {
      program.parse(argv, { from: "user" });
    } catch (err) {
      if (err instanceof CommanderError) {
        if (err.exitCode === 0) return 0; // --help
        throw new AppError("INVALID_ARGUMENT", err.message.replace(/^error:\s*/i, ""));
      }
      throw err;
    }
    const inv = toInvocation(program.opts());
    if ("error" in inv) throw new AppError("INVALID_ARGUMENT", inv.error);
    command = inv.command;
    const { osActor } = await import("../lib/audit/record-audit.ts");
    const actor = { actor: osActor(), via: "cli" as const };
    log.info("start", { command, args: argv.join(" "), actor: actor.actor });
    await openStore();
    const summary = await handlerOf(inv.command)({ out: createOutput(inv.json), actor, log }, inv);
    log.info("done", { command, exit: 0, ms: Date.now() - t0, ...summary });
    return 0;
  } catch (err) {
    return handleError(err, { json, command, log });
  } finally {
    if (command !== "(none)" && !storeStuck) {
      const { closeDb } = await import("../lib/db/index.ts");
      await Promise.race([closeDb().catch(() => undefined), sleep(2_000)]);
    }
  }
}

process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  // `provmgr --show-dirty-records | head`: the reader went away, which is not a failure
  if (err.code === "EPIPE") process.exit(process.exitCode ?? 0);
  throw err;
});

const code = await main(process.argv.slice(2));
process.exitCode = code;
// exit once stdout is flushed: a handle left open by a driver (or a connection attempt
// that never answered) must not keep a cron job waiting
process.stdout.write("", () => process.exit(code));
