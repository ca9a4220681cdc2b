// "Test connection" for a channel's source: bind with the form's settings and report
// what the channel would see — users in scope (counted up to a cap), a few of them
// with the userName the mapping gives them, the provisioning group and the groups to
// provision — and warnings for settings that look wrong (missing GUID or timestamp
// attributes). Read-only; nothing is stored but the audit entry. A stored bind password
// is used only for the directory host it was stored for (secret-hosts.ts): for another
// host the answer is 400 and the password must be typed again.
import { toAppError } from "../errors.ts";
import { Directory, type TLdapEntry } from "../ldap/directory.ts";
import { firstValue, groupScopeFilter, userScopeFilter } from "../ldap/scope.ts";
import { mapEntry } from "../mapping/map-entry.ts";
import { auditConnectionTest, fillTestConfigAudited, resolveTestConfig, type TConnectionTestOptions } from "./connection-test-config.ts";
import type { TChannelConfig } from "../channel-config/resolve.ts";

export type TSourceTestResult =
  | {
      ok: true;
      url: string;
      bindDn: string;
      elapsedMs: number;
      userFilter: string;
      usersInScope: number;
      /** counting stopped at COUNT_CAP */
      usersCapped: boolean;
      sample: Array<{ dn: string; guid: string | null; timestamp: string | null; userName: string | null }>;
      provisioningGroup: { dn: string; found: boolean } | null;
      groupsInScope: number | null;
      warnings: string[];
    }
  | { ok: false; stage: "config" | "connect" | "search"; error: string; elapsedMs: number };

const COUNT_CAP = 250_000;
const SAMPLE = 5;

export async function testSourceConnection(options: TConnectionTestOptions): Promise<TSourceTestResult> {
  const result = await runSourceTest(options);
  await auditConnectionTest("source", options, result);
  return result;
}

async function runSourceTest(options: TConnectionTestOptions): Promise<TSourceTestResult> {
  const t0 = Date.now();
  const elapsed = () => Date.now() - t0;
  // a stored secret headed for a new host is refused (400), not reported as a failed test
  const filled = await fillTestConfigAudited("source", options, ["source", "mapping"]);
  let cfg: TChannelConfig;
  try {
    try {
      cfg = resolveTestConfig(filled);
    } catch (err) {
      // a half-written mapping must not stop the connection test
      if (filled.mapping === undefined) throw err;
      cfg = resolveTestConfig({ source: filled.source });
    }
  } catch (err) {
    return { ok: false, stage: "config", error: toAppError(err).message, elapsedMs: elapsed() };
  }
  const source = cfg.source;
  let dir: Directory;
  try {
    dir = await Directory.open({ ...source, connectTimeoutMs: Math.min(source.connectTimeoutMs, 5_000), timeoutMs: Math.min(source.timeoutMs, 20_000) });
  } catch (err) {
    return { ok: false, stage: "connect", error: toAppError(err).message, elapsedMs: elapsed() };
  }
  const warnings: string[] = [];
  try {
    const userFilter = userScopeFilter(source);
    const userNameSpec = cfg.mapping.user.userName;
    const sampleAttrs = ["*", source.guidAttribute, source.timestampAttribute];
    const sample: TLdapEntry[] = [];
    let count = 0;
    let capped = false;
    for await (const e of dir.search(source.baseDn, userFilter, sample.length < SAMPLE ? sampleAttrs : [source.guidAttribute])) {
      if (sample.length < SAMPLE) sample.push(e);
      count++;
      if (count >= COUNT_CAP) {
        capped = true;
        break;
      }
    }
    const rows = sample.map((e) => {
      let userName: string | null = null;
      try {
        const v = mapEntry(e, cfg.mapping.user).userName;
        userName = v === undefined ? null : String(v);
      } catch {
        userName = null;
      }
      return { dn: e.dn, guid: firstValue(e, source.guidAttribute) ?? null, timestamp: firstValue(e, source.timestampAttribute) ?? null, userName };
    });
    if (count === 0) warnings.push("No user is in scope: check the base DN, the group DN or filter, and the user object filter.");
    if (rows.some((r) => !r.guid)) warnings.push(`Some users have no ${source.guidAttribute}: set the GUID attribute this directory uses.`);
    if (rows.some((r) => !r.timestamp)) warnings.push(`Some users have no ${source.timestampAttribute}: set the timestamp attribute this directory uses.`);
    if (userNameSpec && rows.some((r) => !r.userName)) warnings.push("The mapping gives some users no userName: they could not be provisioned.");

    let provisioningGroup: { dn: string; found: boolean } | null = null;
    if (source.groupDn) {
      const g = await dir.read(source.groupDn, ["objectClass"]);
      provisioningGroup = { dn: source.groupDn, found: g !== null };
      if (!g) warnings.push(`The provisioning group ${source.groupDn} does not exist.`);
    }
    let groupsInScope: number | null = null;
    const gf = groupScopeFilter(source);
    if (gf) {
      groupsInScope = 0;
      for await (const _ of dir.search(source.groupBaseDn ?? source.baseDn, gf, [source.guidAttribute])) {
        groupsInScope++;
        if (groupsInScope >= COUNT_CAP) break;
      }
    }
    return {
      ok: true,
      url: source.url,
      bindDn: source.bindDn,
      elapsedMs: elapsed(),
      userFilter,
      usersInScope: count,
      usersCapped: capped,
      sample: rows,
      provisioningGroup,
      groupsInScope,
      warnings,
    };
  } catch (err) {
    return { ok: false, stage: "search", error: toAppError(err).message, elapsedMs: elapsed() };
  } finally {
    await dir.close();
  }
}
