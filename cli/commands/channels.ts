// --show-channels, --show-source, --show-target.
import { describeChannel, type TChannelDescription } from "../../lib/channels/describe-channel.ts";
import { listChannelsLive } from "../../lib/channels/list-channels-live.ts";
import { describeProgress } from "../../lib/health/cycle-progress.ts";
import { resolveTargetProfile } from "../../lib/scim/profiles.ts";
import type { TCommandContext, TSummary } from "../context.ts";
import { fmtDate, keyValues, NONE, oneLine, table } from "../format.ts";

export async function showChannels(ctx: TCommandContext): Promise<TSummary> {
  // with what a running cycle reports: its phase, counts, rate and time left
  const channels = await listChannelsLive();
  if (ctx.out.json) {
    await ctx.out.value({ command: "show-channels", channels });
    return { channels: channels.length };
  }
  if (channels.length === 0) {
    await ctx.out.lines(["No channels are configured."]);
    return { channels: 0 };
  }
  await ctx.out.lines(
    table(
      ["ID", "NAME", "CONNECTION ID", "CONNECTION", "CHANNEL", "HEALTH", "USERS/DIRTY", "GROUPS/DIRTY", "SOURCE", "TARGET", "LAST CYCLE", "MESSAGE"],
      channels.map((c) => [
        String(c.id),
        c.name,
        c.connectionId,
        c.connectionStatus,
        c.channelStatus,
        // healthy, degraded, failing, quarantined (until when), held, inactive, pending
        c.health.state === "quarantined" && c.health.quarantineUntil ? `quarantined until ${fmtDate(c.health.quarantineUntil)}` : c.health.state,
        `${c.users}/${c.dirtyUsers}`,
        `${c.groups}/${c.dirtyGroups}`,
        c.source,
        c.target,
        // what --json gives as lastCycleStatus/At/Message: the outcome and, last on the line, why
        c.activity.running && c.activity.latest
          ? `RUNNING ${fmtDate(c.activity.latest.startedAt)}`
          : c.lastCycleStatus
            ? `${c.lastCycleStatus} ${fmtDate(c.lastCycleAt)}`
            : "never run",
        c.activity.running
          ? c.activity.progress
            ? progressLine(c.activity.progress)
            : "started"
          : c.lastCycleMessage
            ? oneLine(c.lastCycleMessage)
            : NONE,
      ]),
    ),
  );
  return { channels: channels.length };
}

function progressLine(p: Parameters<typeof describeProgress>[0]): string {
  const d = describeProgress(p);
  return `${d.percent !== null ? `${d.percent}% ` : ""}${d.text}`;
}

function header(d: TChannelDescription, what: string): string {
  return `${what} of channel ${d.id} (${d.name})`;
}

function disabledRule(rule: TChannelDescription["source"]["disabled"]): string {
  if (rule.kind === "none") return "never (no disabled attribute)";
  if (rule.kind === "ad-uac") return "userAccountControl has ACCOUNTDISABLE (0x2)";
  return `${rule.attribute} = ${rule.value}`;
}

/** Fields printed under headings, one label column; a field not listed still prints, under "Other settings". */
function sections(obj: Record<string, unknown>, layout: Array<[string, Array<[string, string, ((v: unknown) => unknown)?]>]>, width: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  for (const [title, fields] of layout) {
    const pairs: Array<[string, unknown]> = [];
    for (const [key, label, show] of fields) {
      seen.add(key);
      if (!(key in obj) && !show) continue;
      pairs.push([label, show ? show(obj[key]) : obj[key]]);
    }
    if (pairs.length) out.push(title, ...keyValues(pairs, "  ", width));
  }
  const rest = Object.keys(obj).filter((k) => !seen.has(k));
  if (rest.length) out.push("Other settings", ...keyValues(rest.map((k) => [k, obj[k]]), "  ", width));
  return out;
}

const SOURCE_WIDTH = "Attribute-sync timestamp".length;
const TARGET_WIDTH = "deprovisionGuardMinimum".length;

export async function showSource(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const d = await describeChannel({ channelId });
  if (ctx.out.json) {
    await ctx.out.value({ command: "show-source", channelId: d.id, name: d.name, source: d.source, state: d.state });
    return { channel: d.id };
  }
  const s = d.source;
  const ms = (v: unknown) => (v === undefined ? NONE : `${String(v)} ms`);
  await ctx.out.lines([
    header(d, "Source"),
    ...sections(s as unknown as Record<string, unknown>, [
      [
        "Directory server",
        [
          ["ldapUrl", "LDAP URL"],
          ["directoryType", "Directory type"],
          ["url", "Server"],
          ["startTls", "StartTLS"],
          ["caFile", "CA file", (v) => v ?? NONE],
          ["rejectUnauthorized", "Verify certificate"],
          ["bindDn", "Bind DN"],
          ["bindPassword", "Bind password"],
          ["connectTimeoutMs", "Connect timeout", ms],
          ["timeoutMs", "Timeout", ms],
          ["pageSize", "Page size"],
        ],
      ],
      [
        "Location",
        [
          ["baseDn", "Base DN"],
          ["groupDn", "Provisioning group DN", (v) => v ?? NONE],
          ["filter", "User filter", (v) => v ?? NONE],
          ["userObjectFilter", "User object filter"],
          ["userFilter", "Effective user filter"],
          ["nestedGroups", "Nested groups"],
          ["groupBaseDn", "Group base DN", (v) => v ?? s.baseDn],
          ["groupFilter", "Group filter", (v) => v ?? "(no groups provisioned)"],
          ["groupNameAttribute", "Group name attribute"],
          ["memberAttribute", "Member attribute"],
        ],
      ],
      [
        "Attributes",
        [
          ["guidAttribute", "GUID attribute"],
          ["timestampAttribute", "Timestamp attribute"],
          ["groupChangeAttribute", "Group change attribute"],
          ["disabled", "Disabled when", (v) => disabledRule(v as TChannelDescription["source"]["disabled"])],
        ],
      ],
      [
        "Change capture",
        [
          ["changeCapture", "Change capture", (v) => (v === "auto" ? "auto (the best the directory type offers)" : String(v))],
          ["syncMode", "Sync mode", (v) => (v === "push" ? "push (a worker watches the directory)" : "poll (every sync frequency)")],
        ],
      ],
    ], SOURCE_WIDTH),
    "Synchronization state",
    ...keyValues(
      [
        ["Group timestamp", d.state.groupTimestamp ?? "(reset: the next cycle enumerates the group)"],
        ["Attribute-sync timestamp", d.state.attributeSyncTimestamp ?? "(none: the next cycle reads every user)"],
        ["Last full read", fmtDate(d.state.lastFullSyncAt)],
        ["Change feed", d.state.changeFeed ? `${d.state.changeFeed}${d.state.changeCookieKept ? ", cookie kept" : ""}` : "(none yet: the next cycle is a full read)"],
      ],
      "  ",
      SOURCE_WIDTH,
    ),
  ]);
  return { channel: d.id };
}

export async function showTarget(ctx: TCommandContext, channelId: number): Promise<TSummary> {
  const d = await describeChannel({ channelId });
  if (ctx.out.json) {
    await ctx.out.value({
      command: "show-target",
      channelId: d.id,
      name: d.name,
      connectionId: d.connectionId,
      connectionStatus: d.connectionStatus,
      channelStatus: d.channelStatus,
      syncFrequencySec: d.syncFrequencySec,
      target: d.target,
      mapping: d.mapping,
      options: d.options,
      state: d.state,
    });
    return { channel: d.id };
  }
  const t = d.target;
  const { auth, ...rest } = t;
  const authPairs: Array<[string, unknown]> =
    auth.type === "bearer"
      ? [["Bearer token", auth.token]]
      : auth.type === "basic"
        ? [["Username", auth.username], ["Password", auth.password]]
        : [["Token URL", auth.tokenUrl], ["Client ID", auth.clientId], ["Client secret", auth.clientSecret], ["Scope", auth.scope]];
  const ms = (v: unknown) => (v === undefined ? NONE : `${String(v)} ms`);
  // a value the channel leaves out is its profile's (lib/scim/profiles.ts)
  const eff = resolveTargetProfile(rest);
  const own = (v: unknown, profiles: unknown) => (v === undefined ? `${profiles === undefined ? NONE : typeof profiles === "object" ? JSON.stringify(profiles) : String(profiles)} (the profile's)` : typeof v === "object" ? JSON.stringify(v) : v);
  const mappingRows = Object.entries(d.mapping.user).map(([scim, spec]): [string, unknown] => [scim, mappingText(spec)]);
  await ctx.out.lines([
    header(d, "Target"),
    ...keyValues(
      [
        ["Type", "SCIM 2.0"],
        ["Connection ID", d.connectionId],
        ["Connection status", d.connectionStatus],
        ["Channel status", d.channelStatus],
        ["Sync frequency", `${d.syncFrequencySec} s`],
        ["Authentication", auth.type],
        ...authPairs,
      ],
      "  ",
      TARGET_WIDTH,
    ),
    ...sections(rest as unknown as Record<string, unknown>, [
      [
        "Service provider",
        [
          ["url", "SCIM base URL"],
          ["timeoutMs", "Timeout", ms],
          ["profile", "Profile", (v) => v ?? "generic (left out)"],
          ["maxConcurrency", "Requests in flight"],
          ["rateLimit", "Rate limit", (v) => own(v, eff.rateLimit)],
          ["membersPerPatch", "Members per request", (v) => own(v, eff.membersPerPatch)],
          ["pageSize", "Page size", (v) => own(v, eff.pageSize)],
          ["usePatch", "Use PATCH"],
          ["userMatching", "User matching"],
          ["inventoryMatch", "Inventory match", (v) => (Array.isArray(v) ? v.join(", ") : v)],
          ["maxRetries", "Retries per push"],
        ],
      ],
    ], TARGET_WIDTH),
    "Attribute mapping (SCIM attribute <- LDAP)",
    ...keyValues([...mappingRows, ["group displayName", mappingText(d.mapping.group.displayName)]], "  ", TARGET_WIDTH),
    "Provisioning options",
    ...keyValues(Object.entries(d.options), "  ", TARGET_WIDTH),
    "Last cycle",
    ...keyValues(
      [
        ["At", fmtDate(d.state.lastCycleAt)],
        ["Status", d.state.lastCycleStatus],
        ["Message", d.state.lastCycleMessage],
        ["Checked", d.state.lastPolledAt ? `${fmtDate(d.state.lastPolledAt)} (nothing changed, no cycle needed)` : "at the last cycle"],
      ],
      "  ",
      TARGET_WIDTH,
    ),
  ]);
  return { channel: d.id };
}

function mappingText(spec: unknown): string {
  if (typeof spec === "string") return spec;
  if (spec && typeof spec === "object") {
    const o = spec as Record<string, unknown>;
    if ("template" in o) return `template ${String(o.template)}`;
    if ("literal" in o) return `literal ${JSON.stringify(o.literal)}`;
    if ("attribute" in o) return o.transform && o.transform !== "none" ? `${String(o.attribute)} (${String(o.transform)})` : String(o.attribute);
  }
  return JSON.stringify(spec);
}
