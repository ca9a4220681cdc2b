// "Test" for a channel's target: authenticate, read /ServiceProviderConfig and count the
// users and groups already there, then the conformance probe (lib/scim/probe.ts: /Schemas,
// /ResourceTypes, filter forms, paging, PATCH), a suggested profile and warnings about
// settings that will fail (lib/scim/suggest-profile.ts). Harmless requests only; no
// retries, short timeouts, so a wrong URL answers in seconds. Audited. It authenticates with the secret as typed; a kept
// (stored) token, password or client secret only for the host(s) it was stored for
// (lib/channel-config/secret-hosts.ts): for another host the answer is 400 and the
// secret must be typed again.
import type { TTargetEdit } from "../channel-config/config.ts";
import { resolveTestTarget } from "../channel-config/resolve.ts";
import type { TTarget } from "../channel-config/stored.ts";
import { toAppError } from "../errors.ts";
import { getDb } from "../db/index.ts";
import { ScimClient } from "../scim/client.ts";
import type { TProbeFindings } from "../scim/probe.ts";
import { resolveTargetProfile, type TRateLimit } from "../scim/profiles.ts";
import { probeWarnings, suggestProfile, type TProfileSuggestion } from "../scim/suggest-profile.ts";
import { auditConnectionTest, hostOf, resolveAudited, storedForTest, type TConnectionTestOptions, type TTestHosts, type TTestSettings } from "./connection-test-config.ts";

export type TTargetTestResult =
  | {
      ok: true;
      url: string;
      authType: string;
      elapsedMs: number;
      /** /ServiceProviderConfig was there (a target without it still works, with defaults) */
      discovery: boolean;
      capabilities: { patch: boolean; bulk: boolean; bulkMaxOperations: number; filter: boolean; filterMaxResults: number; sort: boolean | null; etag: boolean | null; changePassword: boolean | null };
      authenticationSchemes: string[];
      usersAtTarget: number | null;
      groupsAtTarget: number | null;
      /** what the harmless requests found */
      probe: TProbeFindings;
      suggestedProfile: TProfileSuggestion;
      /** the values the channel would work with: its own, else its profile's; `learned`: members per request the target took after refusing more */
      effective: { profile: string; membersPerPatch: number; pageSize: number; rateLimit: TRateLimit | null; learnedMembersPerPatch: number | null };
      warnings: string[];
    }
  | { ok: false; stage: "config" | "connect"; error: string; elapsedMs: number };

function supported(raw: unknown, key: string): boolean | null {
  const v = (raw as Record<string, { supported?: unknown } | undefined> | null)?.[key]?.supported;
  return typeof v === "boolean" ? v : null;
}

export type TTargetTestOptions = TConnectionTestOptions & { target: TTestSettings<TTargetEdit> };

export async function testTargetConnection(options: TTargetTestOptions): Promise<TTargetTestResult> {
  const given = options.target;
  const auth = given.ok ? given.value.auth : undefined;
  const hosts: TTestHosts = { host: hostOf(given.ok ? given.value.url : given.url), ...(auth?.type === "oauth2" ? { tokenHost: hostOf(auth.tokenUrl) } : {}) };
  const t0 = Date.now();
  const stored = await storedForTest(options.channelId);
  let result: TTargetTestResult;
  if (!given.ok) {
    result = { ok: false, stage: "config", error: given.error, elapsedMs: Date.now() - t0 };
  } else {
    const settings = given.value;
    // a kept secret headed for a new host is refused (400), not reported as a failed test
    const target = await resolveAudited("target", options, hosts, () => resolveTestTarget(settings, stored));
    const learned = options.channelId === undefined ? null : await learnedSize(options.channelId);
    result = await runTargetTest(target, t0, learned);
  }
  await auditConnectionTest("target", options, hosts, result);
  return result;
}

async function learnedSize(channelId: number): Promise<number | null> {
  const db = await getDb();
  return (await db.channel.findUnique({ where: { id: channelId }, select: { membersPerPatchLearned: true } }))?.membersPerPatchLearned ?? null;
}

async function runTargetTest(target: TTarget, t0: number, learned: number | null): Promise<TTargetTestResult> {
  const elapsed = () => Date.now() - t0;
  const client = new ScimClient({ ...target, maxRetries: 0, timeoutMs: Math.min(target.timeoutMs, 10_000) });
  const warnings: string[] = [];
  try {
    const caps = await client.discover();
    const usersAtTarget = await client.users.count();
    // a target without groups still provisions users: a warning, not a failed test
    const groupsAtTarget = await client.groups.count().catch((err: unknown) => {
      warnings.push(`GET /Groups failed: ${toAppError(err).message}`);
      return null;
    });
    const raw = caps.raw as Record<string, unknown> | null;
    const schemes = Array.isArray(raw?.authenticationSchemes)
      ? (raw.authenticationSchemes as Array<{ name?: unknown; type?: unknown }>).map((s) => String(s.name ?? s.type ?? "")).filter(Boolean)
      : [];
    if (!raw) warnings.push("The target has no /ServiceProviderConfig: Ferry uses conservative defaults (no PATCH, no bulk).");
    if (target.usePatch === "always" && !caps.patch) warnings.push("PATCH is forced on but the target does not announce PATCH support.");
    const probe = await client.probe();
    const effective = resolveTargetProfile(target);
    const suggestedProfile = suggestProfile(target.url, caps.bulk.supported, probe);
    warnings.push(...probeWarnings(effective, probe, suggestedProfile, target.usePatch));
    if (learned !== null) warnings.push(`The target refused group writes of more members before: Ferry sends at most ${learned} per request for this channel.`);
    return {
      ok: true,
      url: target.url,
      authType: target.auth.type,
      elapsedMs: elapsed(),
      discovery: raw !== null && raw !== undefined,
      capabilities: {
        patch: caps.patch,
        bulk: caps.bulk.supported,
        bulkMaxOperations: caps.bulk.maxOperations,
        filter: caps.filter.supported,
        filterMaxResults: caps.filter.maxResults,
        sort: supported(raw, "sort"),
        etag: supported(raw, "etag"),
        changePassword: supported(raw, "changePassword"),
      },
      authenticationSchemes: schemes,
      usersAtTarget,
      groupsAtTarget,
      probe,
      suggestedProfile,
      effective: {
        profile: effective.profile,
        membersPerPatch: learned !== null ? Math.min(learned, effective.membersPerPatch) : effective.membersPerPatch,
        pageSize: effective.pageSize,
        rateLimit: effective.rateLimit ?? null,
        learnedMembersPerPatch: learned,
      },
      warnings,
    };
  } catch (err) {
    return { ok: false, stage: "connect", error: toAppError(err).message, elapsedMs: elapsed() };
  } finally {
    await client.close();
  }
}
