// provmgr's arguments: exactly the original tool's (seed 000), plus --json, the
// guard's --show-holds/--approve-hold, one user on demand and the plan of the next cycle
// (--show-plan). Commander parses them; zod then checks what commander cannot (one
// command, the right -c/-n/-u/-g for it, numbers that are numbers) and turns them into
// one typed invocation.
import { Command, Option } from "commander";
import { z } from "zod";
import { CHANNEL_OPERATIONS, type TChannelOperationEntry, type TChannelOperationId } from "../lib/channels/operations.ts";
import type { TRecordLookup } from "../lib/channels/show-record.ts";
import { ERROR_CODES, type TErrorCode } from "../lib/errors.ts";

/** What a command needs besides itself. */
type TNeeds = "nothing" | "channel" | "channel+record" | "channel+hold" | "channel+plan" | "node";

/** The channel operations of one group (lib/channels/operations.ts, the one list), as provmgr commands. */
const operations = <G extends TChannelOperationEntry["group"]>(group: G) =>
  CHANNEL_OPERATIONS.filter((o): o is Extract<TChannelOperationEntry, { group: G }> => o.group === group).map(
    (o) => ({ name: o.id, needs: "channel", help: o.help }) as const,
  );

/**
 * Every command, in the order of the original tool's help. The channel operations come
 * from CHANNEL_OPERATIONS, a group at a time; the others (show-*, force-node-backup and
 * the guard's holds) are provmgr's own and are listed here.
 */
export const COMMANDS = [
  { name: "show-channels", needs: "nothing", help: "list all channels: ID, name, connection ID, connection and channel status, users/dirty users, source as LDAP URL, target, last cycle status and message" },
  { name: "show-nodes", needs: "nothing", help: "list the provisioning nodes with their mode, status and last heartbeat" },
  { name: "force-node-backup", needs: "node", help: "set the node given with -n <node ID> to FAILOVER mode: a backup that provisions only while no ACTIVE node is alive" },
  ...operations("resets"),
  { name: "show-dirty-records", needs: "channel", help: "list the users and groups not yet provisioned or updated at the SP" },
  { name: "show-dirty-group-records", needs: "channel", help: "list the groups not yet provisioned or updated at the SP" },
  { name: "show-dirty-user-records", needs: "channel", help: "list the users not yet provisioned or updated at the SP" },
  { name: "show-user", needs: "channel+record", help: "show every internal field of a user (with -u <provider name> or -g <LDAP GUID>), the fields waiting to be pushed and the LDAP attributes retrieved" },
  { name: "show-group", needs: "channel+record", help: "show every internal field of a group (with -u <provider name> or -g <LDAP GUID>) and the fields waiting to be pushed" },
  // Ferry's own, beyond the seed: explain and provision on demand (issue 13)
  {
    name: "explain-user",
    needs: "channel+record",
    help: "explain why a directory user (-u <user name or DN>, or -g <LDAP GUID>; also one not stored or out of scope) is in its state: base DN, scope filter, group membership (direct or nested path), disabled rule, mapped values against the target's, the record, a hold, the decision, the last log entries. Read-only",
  },
  {
    name: "explain-group",
    needs: "channel+record",
    help: "explain why a directory group (-u <group name or DN>, or -g <LDAP GUID>; also one not stored or out of scope) is in its state: group filter and base, its name against the target's, its members now (flattened when the channel flattens) against the target's — who would be added or removed, who never reaches the target and why — the record, a hold, the decision, the last log entries. Read-only",
  },
  {
    name: "provision-user",
    needs: "channel+record",
    help: "provision one user now (-u <user name or DN>, or -g <LDAP GUID>): import, scope, decide, match, action, result, each step printed; waits up to 15 s for a running cycle of the channel, then exits 5",
  },
  ...operations("dirty"),
  ...operations("store"),
  // Ferry's own, beyond the seed: retries and quarantine
  ...operations("health"),
  { name: "show-target", needs: "channel", help: "display the target configuration (secrets masked)" },
  { name: "show-source", needs: "channel", help: "display the source LDAP configuration: settings and location (secrets masked)" },
  // Ferry's own, beyond the seed: the deprovisioning guard's holds
  { name: "show-holds", needs: "channel", help: "show deprovisioning held for approval (too many users or groups at once, or an empty scope): why, how many, and who" },
  {
    name: "approve-hold",
    needs: "channel+hold",
    help: "approve a held deprovisioning, with --hold <hold ID> and --count <number it covers, as shown by --show-holds>: the next cycle disables or deletes them",
  },
  {
    name: "reject-hold",
    needs: "channel+hold",
    help: "reject a held deprovisioning, with --hold <hold ID>, --count <number it covers> and optionally --reason <text>: nobody it covers is disabled or deleted; they stay at the target until they come back in the directory (or the hold is approved after all)",
  },
  // Ferry's own, beyond the seed: the target as it is (issue 15)
  {
    name: "test-target",
    needs: "channel",
    help: "test the channel's target: /ServiceProviderConfig, /Schemas, /ResourceTypes, filter forms, paging and PATCH probed with harmless requests; prints what it found, a suggested profile and settings that will fail",
  },
  { name: "take-inventory", needs: "channel", help: "list the target's users and groups now, in pages, into the store (read-only at the target)" },
  { name: "show-unmanaged", needs: "channel", help: "show the target's users and groups no directory object is linked to (from the last inventory); Ferry never disables or deletes them" },
  // Ferry's own, beyond the seed: the plan (dry run) of the next cycle
  {
    name: "show-plan",
    needs: "channel+plan",
    help: "show what the channel's next cycle would send (creates, updates with attribute diffs, disables, deletes, group changes) and what the guard would hold, without sending or changing anything; --full plans a full cycle, --limit <n> records listed per action (default 50)",
  },
] as const satisfies ReadonlyArray<{ name: string; needs: TNeeds; help: string }>;

export type TCommandName = (typeof COMMANDS)[number]["name"];
/** provmgr's commands that are not channel operations: each has its own handler (cli/provmgr.ts). */
export type TOwnCommandName = Exclude<TCommandName, TChannelOperationId>;

export type TInvocation =
  | { command: TCommandName; json: boolean; needs: "nothing" }
  | { command: TCommandName; json: boolean; needs: "channel"; channelId: number }
  | { command: TCommandName; json: boolean; needs: "channel+record"; channelId: number; lookup: TRecordLookup }
  | { command: TCommandName; json: boolean; needs: "channel+hold"; channelId: number; holdId: number; count: number; reason?: string }
  | { command: TCommandName; json: boolean; needs: "channel+plan"; channelId: number; full: boolean; limit: number }
  | { command: TCommandName; json: boolean; needs: "node"; nodeId: number };

const GLOBAL = "Global options:";
const CHANNEL = "Channel-specific options (each with -c <channel-id>):";
const OUTPUT = "Output:";

const INVALID_ARGUMENTS = "invalid arguments: unknown option, missing -c/-n/-u/-g, a value that is not a number, two commands";

/** What each error code means to someone running provmgr; a new code must be described here. */
export const EXIT_CODE_MEANING: Record<TErrorCode, string> = {
  INTERNAL: "unexpected error (details in log/provmgr.log)",
  INVALID_ARGUMENT: INVALID_ARGUMENTS,
  INVALID_CONFIG: "invalid configuration: environment, stored channel or log settings",
  // the API's 413; provmgr never sends a request body, so it shares exit 2's meaning
  PAYLOAD_TOO_LARGE: INVALID_ARGUMENTS,
  NOT_FOUND: "no such channel, node, user or group",
  CONFLICT: "conflict with the current state",
  CYCLE_RUNNING: "a cycle of the channel is running: try again when it ends",
  UNAUTHORIZED: "not allowed",
  FORBIDDEN: "not allowed",
  DATABASE_UNAVAILABLE: "the database (internal store) cannot be reached",
  LDAP_ERROR: "the directory server failed",
  SCIM_ERROR: "the SCIM service provider failed",
};

export function exitCodes(): Array<{ exit: number; codes: TErrorCode[]; meaning: string }> {
  const byExit = new Map<number, TErrorCode[]>();
  for (const code of Object.keys(ERROR_CODES) as TErrorCode[]) {
    const exit = ERROR_CODES[code].exit;
    byExit.set(exit, [...(byExit.get(exit) ?? []), code]);
  }
  return [...byExit.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([exit, codes]) => ({ exit, codes, meaning: [...new Set(codes.map((c) => EXIT_CODE_MEANING[c]))].join("; ") }));
}

export function exitCodesHelp(): string {
  const rows = [{ exit: 0, meaning: "success" }, ...exitCodes()];
  return rows.map((r) => `  ${String(r.exit).padStart(2)}  ${r.meaning}`).join("\n");
}

export function buildProgram(): Command {
  const program = new Command("provmgr")
    .description("Manage Ferry's outbound provisioning: channels, nodes and the internal store.")
    .usage("<command> [-c <channel-id>] [-u <provider name> | -g <LDAP GUID>] [-n <node ID>] [--json]")
    .addHelpOption(new Option("-h, --help", "describe the available options (also shown with no arguments)").helpGroup(GLOBAL))
    .allowExcessArguments(false)
    .showSuggestionAfterError(true)
    .exitOverride();
  program.helpCommand(false);

  const add = (o: Option, group: string) => program.addOption(o.helpGroup(group));
  for (const c of COMMANDS.filter((c) => c.needs === "nothing" || c.needs === "node")) add(new Option(`--${c.name}`, c.help), GLOBAL);
  add(new Option("-n <node ID>", "the node for --force-node-backup"), GLOBAL);
  add(new Option("-c <channel-id>", "the channel's numeric ID (see --show-channels)"), CHANNEL);
  for (const c of COMMANDS.filter((c) => c.needs !== "nothing" && c.needs !== "node")) add(new Option(`--${c.name}`, c.help), CHANNEL);
  add(new Option("-u <provider name>", "the user's or group's provider name, for --show-user / --show-group; a user name or a DN for --explain-user / --provision-user; a group name or a DN for --explain-group"), CHANNEL);
  add(new Option("-g <LDAP GUID>", "the user's or group's LDAP GUID (binary GUIDs in hex), for --show-user / --show-group / --explain-user / --explain-group / --provision-user"), CHANNEL);
  add(new Option("--hold <hold ID>", "the hold to decide, for --approve-hold / --reject-hold (see --show-holds)"), CHANNEL);
  add(new Option("--count <number>", "for --approve-hold / --reject-hold: how many users (or groups) the hold covers, as you reviewed it"), CHANNEL);
  add(new Option("--reason <text>", "for --reject-hold: why, kept with the hold and in the audit log"), CHANNEL);
  add(new Option("--full", "for --show-plan: plan a full cycle (the whole scope read), as --run-full-cycle-now would run"), CHANNEL);
  add(new Option("--limit <number>", "for --show-plan: how many records to list per action (1-500, default 50)"), CHANNEL);
  add(new Option("--json", "print one JSON document instead of text (errors too), for scripts"), OUTPUT);

  program.addHelpText(
    "after",
    `
Examples:
  provmgr --show-channels
  provmgr -c 1 --show-source
  provmgr -c 1 --show-user -u user@example.com
  provmgr -c 1 --show-user -g ffd448643f812b43a0bee2504173f0
  provmgr -c 1 --explain-user -u jdoe
  provmgr -c 1 --explain-group -u engineering
  provmgr -c 1 --provision-user -u "uid=jdoe,ou=people,dc=example,dc=com"
  provmgr -c 1 --reset-group-timestamp
  provmgr -c 1 --show-holds
  provmgr -c 1 --approve-hold --hold 4 --count 60
  provmgr -c 1 --reject-hold --hold 4 --count 60 --reason "HR export was truncated"
  provmgr -c 1 --show-plan --limit 20
  provmgr --force-node-backup -n 2

Exit codes:
${exitCodesHelp()}

Log file: log/provmgr.log, settings in bin/provmgr.log.json. Documentation: docs/provmgr.md`,
  );
  return program;
}

const ZId = (flag: string, what: string) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `${flag} must be ${what}`)
    .transform(Number)
    .refine((n) => n >= 1 && Number.isSafeInteger(n), `${flag} must be ${what}`);

const ZOpts = z.object({
  c: ZId("-c", "a channel ID number such as 1 (see provmgr --show-channels)").optional(),
  n: ZId("-n", "a node ID number such as 1 (see provmgr --show-nodes)").optional(),
  u: z.string().trim().min(1, "-u needs a provider name").optional(),
  g: z.string().trim().min(1, "-g needs an LDAP GUID").optional(),
  hold: ZId("--hold", "a hold ID number (see provmgr -c <channel-id> --show-holds)").optional(),
  count: ZId("--count", "the number of records the hold covers (see provmgr -c <channel-id> --show-holds)").optional(),
  reason: z.string().trim().min(1, "--reason needs a text").max(500, "--reason is at most 500 characters").optional(),
  full: z.boolean().optional(),
  limit: ZId("--limit", "a number of records from 1 to 500").refine((n) => n <= 500, "--limit must be a number of records from 1 to 500").optional(),
  json: z.boolean().optional(),
});

function camel(name: string): string {
  return name.replace(/-([a-z])/g, (_, ch: string) => ch.toUpperCase());
}

/** The one invocation the options describe, or an explanation of what is wrong with them. */
export function toInvocation(opts: Record<string, unknown>): TInvocation | { error: string } {
  const chosen = COMMANDS.filter((c) => opts[camel(c.name)] === true);
  if (chosen.length === 0) return { error: "no command given: add one such as --show-channels" };
  if (chosen.length > 1) return { error: `give one command at a time, not ${chosen.map((c) => `--${c.name}`).join(" and ")}` };
  const cmd = chosen[0]!;
  const parsed = ZOpts.safeParse(opts);
  if (!parsed.success) return { error: parsed.error.issues.map((i) => i.message).join("; ") };
  const o = parsed.data;
  const json = o.json ?? false;
  const flag = `--${cmd.name}`;
  const unused = (list: Array<[unknown, string]>) => list.filter(([v]) => v !== undefined).map(([, f]) => f);

  if (cmd.needs !== "channel+plan") {
    const extra = unused([[o.full, "--full"], [o.limit, "--limit"]]);
    if (extra.length) return { error: `${extra.join(" and ")} ${extra.length > 1 ? "are" : "is"} only used with --show-plan` };
  }
  if (cmd.needs !== "channel+hold") {
    const extra = unused([[o.hold, "--hold"], [o.count, "--count"]]);
    if (extra.length) return { error: `${extra.join(" and ")} ${extra.length > 1 ? "are" : "is"} only used with --approve-hold and --reject-hold` };
  }
  if (o.reason !== undefined && cmd.name !== "reject-hold") return { error: "--reason is only used with --reject-hold" };
  if (cmd.needs === "nothing" || cmd.needs === "node") {
    const extra = unused(cmd.needs === "node" ? [[o.c, "-c"], [o.u, "-u"], [o.g, "-g"]] : [[o.c, "-c"], [o.n, "-n"], [o.u, "-u"], [o.g, "-g"]]);
    if (extra.length) return { error: `${flag} is a global command and takes no ${extra.join(", ")}` };
    if (cmd.needs === "nothing") return { command: cmd.name, json, needs: "nothing" };
    if (o.n === undefined) return { error: `${flag} needs a node: add -n <node ID> (see provmgr --show-nodes)` };
    return { command: cmd.name, json, needs: "node", nodeId: o.n };
  }
  if (o.c === undefined) return { error: `${flag} needs a channel: add -c <channel-id> (see provmgr --show-channels)` };
  if (o.n !== undefined) return { error: `-n is only used with --force-node-backup` };
  if (cmd.needs === "channel+hold") {
    const extra = unused([[o.u, "-u"], [o.g, "-g"]]);
    if (extra.length) return { error: `${extra.join(" and ")} ${extra.length > 1 ? "are" : "is"} only used with --show-user, --show-group, --explain-user, --explain-group and --provision-user` };
    if (o.hold === undefined || o.count === undefined) {
      return { error: `${flag} needs --hold <hold ID> and --count <number>, as shown by provmgr -c ${o.c} --show-holds` };
    }
    return { command: cmd.name, json, needs: "channel+hold", channelId: o.c, holdId: o.hold, count: o.count, ...(o.reason !== undefined ? { reason: o.reason } : {}) };
  }
  if (cmd.needs === "channel+plan") {
    const extra = unused([[o.u, "-u"], [o.g, "-g"]]);
    if (extra.length) return { error: `${extra.join(" and ")} ${extra.length > 1 ? "are" : "is"} only used with --show-user and --show-group` };
    return { command: cmd.name, json, needs: "channel+plan", channelId: o.c, full: o.full ?? false, limit: o.limit ?? 50 };
  }
  if (cmd.needs === "channel") {
    const extra = unused([[o.u, "-u"], [o.g, "-g"]]);
    if (extra.length) return { error: `${extra.join(" and ")} ${extra.length > 1 ? "are" : "is"} only used with --show-user, --show-group, --explain-user, --explain-group and --provision-user` };
    return { command: cmd.name, json, needs: "channel", channelId: o.c };
  }
  if (o.u !== undefined && o.g !== undefined) return { error: `${flag} takes either -u <provider name> or -g <LDAP GUID>, not both` };
  if (o.u === undefined && o.g === undefined) return { error: `${flag} needs -u <provider name> or -g <LDAP GUID>` };
  return { command: cmd.name, json, needs: "channel+record", channelId: o.c, lookup: o.u !== undefined ? { providerName: o.u } : { guid: o.g! } };
}
