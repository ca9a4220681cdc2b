// What every provmgr command gets: where to print, who is asking (for the audit log),
// and the provmgr log file. A command returns a short summary for that log.
import type { TActor } from "../lib/channels/actor.ts";
import type { TProvLog } from "./log.ts";
import type { TOutput } from "./output.ts";

export type TCommandContext = { out: TOutput; actor: TActor; log: TProvLog };
export type TSummary = Record<string, unknown>;
