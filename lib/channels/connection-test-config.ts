// What both connection tests share: their settings, parsed at the route; the stored
// channel whose secrets they may keep (only for the hosts they were stored for:
// lib/channel-config/secret-hosts.ts); and the audit entry every test leaves: who, which
// channel, which host, the result. Never a secret.
import { z } from "zod";
import { originOf } from "../channel-config/secret-hosts.ts";
import { readStoredParts, type TStoredParts } from "../channel-config/stored.ts";
import { recordAudit } from "../audit/record-audit.ts";
import { formatZodError, toAppError } from "../errors.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";

export type TConnectionTestOptions = { channelId?: number } & TActor;

/** A part of a connection test's settings as the route parsed it: the settings, or what is wrong with them (the test's first finding). */
export type TTestSettings<T> = { ok: true; value: T } | { ok: false; error: string; url: string | null };

/**
 * Parses a part of a connection test's body with the channel's own schema. Settings that
 * do not validate yet (a form half filled in) are no bad request: the test answers
 * { ok: false, stage: "config" } with the problems, as it answers a host that is down.
 */
export function testSettings<T extends z.ZodType>(schema: T, part: string) {
  return schema
    .transform((value): TTestSettings<z.output<T>> => ({ ok: true, value }))
    .catch((ctx): TTestSettings<z.output<T>> => {
      const given = ctx.input as { url?: unknown } | null | undefined;
      return {
        ok: false,
        error: `invalid channel configuration:\n${formatZodError(new z.ZodError(ctx.error.issues), part)}`,
        url: typeof given === "object" && given !== null && typeof given.url === "string" ? given.url : null,
      };
    });
}

/** The stored source and target of the channel whose secrets a test may keep; null without a channel. */
export async function storedForTest(channelId: number | undefined): Promise<TStoredParts | null> {
  return channelId === undefined ? null : readStoredParts(await requireChannel(channelId));
}

/** Where a test connects, as an origin (for the audit log): the URL's, or the text given when it is no URL. */
export function hostOf(url: string | null | undefined): string | null {
  return originOf(url) ?? (typeof url === "string" ? url.slice(0, 200) : null);
}

export type TTestHosts = { host: string | null; tokenHost?: string | null };

export async function auditConnectionTest(
  kind: "source" | "target",
  options: TConnectionTestOptions,
  hosts: TTestHosts,
  result: { ok: true } | { ok: false; stage: string; error: string },
): Promise<void> {
  await recordAudit({
    actor: options.actor,
    via: options.via,
    channelId: options.channelId,
    action: `connection-test.${kind}`,
    details: {
      ...hosts,
      ok: result.ok,
      ...(result.ok ? {} : { stage: result.stage, error: result.error.slice(0, 500) }),
    },
  });
}

/** Resolves a test's settings, auditing a refusal (a kept secret headed for a new host) before it becomes the 400 answer. */
export async function resolveAudited<T>(kind: "source" | "target", options: TConnectionTestOptions, hosts: TTestHosts, resolve: () => T): Promise<T> {
  try {
    return resolve();
  } catch (err) {
    await auditConnectionTest(kind, options, hosts, { ok: false, stage: "refused", error: toAppError(err).message });
    throw err;
  }
}
