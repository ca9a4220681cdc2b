// "Test connection" for a channel's source: bind with the form's settings and report
// what the channel would see — users in scope (counted up to a cap), a few of them
// with the userName the mapping gives them, the provisioning group and the groups to
// provision — and warnings for settings that look wrong (missing GUID or timestamp
// attributes). Read-only; nothing is stored but the audit entry. It binds with the
// password as typed; a kept (stored) one only for the directory host it was stored for
// (lib/channel-config/secret-hosts.ts): for another host the answer is 400 and the
// password must be typed again.
import type { TMapping, TSourceEdit } from "../channel-config/config.ts";
import { resolveTestSource } from "../channel-config/resolve.ts";
import type { TSource } from "../channel-config/stored.ts";
import { toAppError } from "../errors.ts";
import { Directory, type TLdapEntry } from "../ldap/directory.ts";
import { adChangeCaptureWarnings } from "../ldap/feeds/ad-diagnose.ts";
import { dsChangeCaptureWarnings } from "../ldap/feeds/ds-diagnose.ts";
import { firstValue, groupScopeFilter, userScopeFilter } from "../ldap/scope.ts";
import { mapEntry } from "../mapping/map-entry.ts";
import { auditConnectionTest, hostOf, resolveAudited, storedForTest, type TConnectionTestOptions, type TTestSettings } from "./connection-test-config.ts";

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

export type TSourceTestOptions = TConnectionTestOptions & {
  source: TTestSettings<TSourceEdit>;
  /** the mapping whose userName the sample shows; none (or one not valid yet): the directory type's default */
  mapping?: TMapping | undefined;
};

export async function testSourceConnection(options: TSourceTestOptions): Promise<TSourceTestResult> {
  const hosts = { host: hostOf(options.source.ok ? options.source.value.url : options.source.url) };
  const t0 = Date.now();
  const stored = await storedForTest(options.channelId);
  let result: TSourceTestResult;
  if (!options.source.ok) {
    result = { ok: false, stage: "config", error: options.source.error, elapsedMs: Date.now() - t0 };
  } else {
    const settings = options.source.value;
    // a kept secret headed for a new host is refused (400), not reported as a failed test
    const { source, userMapping } = await resolveAudited("source", options, hosts, () => resolveTestSource(settings, options.mapping, stored));
    result = await runSourceTest(source, userMapping, t0);
  }
  await auditConnectionTest("source", options, hosts, result);
  return result;
}

async function runSourceTest(source: TSource, userMapping: TMapping, t0: number): Promise<TSourceTestResult> {
  const elapsed = () => Date.now() - t0;
  let dir: Directory;
  try {
    dir = await Directory.open({ ...source, connectTimeoutMs: Math.min(source.connectTimeoutMs, 5_000), timeoutMs: Math.min(source.timeoutMs, 20_000) });
  } catch (err) {
    return { ok: false, stage: "connect", error: toAppError(err).message, elapsedMs: elapsed() };
  }
  const warnings: string[] = [];
  try {
    const userFilter = userScopeFilter(source);
    const userNameSpec = userMapping.userName;
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
        const v = mapEntry(e, userMapping).userName;
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
    warnings.push(...(await adChangeCaptureWarnings(dir, source)));
    warnings.push(...(await dsChangeCaptureWarnings(dir, source)));
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
