// What both connection tests share: the form's settings with the stored channel's
// secrets filled in (refused when a stored secret would go to a new host: see
// secret-hosts.ts), resolved as a stored channel would be, and the audit entry every
// test leaves: who, which channel, which host, the result. Never a secret.
import { recordAudit } from "../audit/record-audit.ts";
import { AppError, toAppError } from "../errors.ts";
import type { TActor } from "./actor.ts";
import { requireChannel } from "./require-channel.ts";
import { parseChannelFile, type TChannelConfig } from "../channel-config/resolve.ts";
import { fillSecrets } from "./save-channel.ts";
import { assertSecretsStayHome, originOf } from "./secret-hosts.ts";

type TObj = Record<string, unknown>;
export type TTestPart = "source" | "target" | "mapping";
export type TConnectionTestOptions = { channelId?: number; config: unknown } & TActor;

/** A channel file for a test: the form's parts and placeholders for what the test does not use. */
function placeholders(config: TObj): TObj {
  return {
    name: "connection test",
    connectionId: "connection-test",
    ...config,
    source: config.source ?? { url: "ldap://placeholder.invalid", bindDn: "cn=placeholder", bindPassword: "placeholder", baseDn: "dc=placeholder", filter: "(objectClass=*)" },
    target: config.target ?? { url: "https://placeholder.invalid/scim", auth: { type: "bearer", token: "placeholder" } },
  };
}

/**
 * The form's parts with the stored channel's secrets where the form left them out.
 * Throws (400) when a stored secret would be sent to a host it was not stored for.
 */
export async function fillTestConfig(options: TConnectionTestOptions, parts: TTestPart[]): Promise<TObj> {
  if (typeof options.config !== "object" || options.config === null) throw new AppError("INVALID_CONFIG", "give the channel's settings to test");
  const stored = options.channelId !== undefined ? await requireChannel(options.channelId) : null;
  const given = options.config as TObj;
  const picked: TObj = {};
  for (const p of parts) if (given[p] !== undefined) picked[p] = given[p];
  const storedSecrets = stored ? { source: stored.source, target: stored.target } : null;
  const filled = fillSecrets(picked, storedSecrets);
  assertSecretsStayHome(filled, storedSecrets);
  return filled;
}

/** The filled parts resolved as a stored channel would be (defaults, encrypted secrets). */
export function resolveTestConfig(filled: TObj): TChannelConfig {
  return parseChannelFile(placeholders(filled));
}

/** Where a test connects, as an origin (for the audit log): the URL's, or the text given when it is no URL. */
function hostOf(url: unknown): string | null {
  return originOf(url) ?? (typeof url === "string" ? url.slice(0, 200) : null);
}

export async function auditConnectionTest(
  kind: "source" | "target",
  options: TConnectionTestOptions,
  result: { ok: true } | { ok: false; stage: string; error: string },
): Promise<void> {
  const part = (options.config as TObj | null)?.[kind] as TObj | undefined;
  const auth = kind === "target" ? (part?.auth as TObj | undefined) : undefined;
  await recordAudit({
    actor: options.actor,
    via: options.via,
    channelId: options.channelId,
    action: `connection-test.${kind}`,
    details: {
      host: hostOf(part?.url),
      ...(auth?.type === "oauth2" ? { tokenHost: hostOf(auth.tokenUrl) } : {}),
      ok: result.ok,
      ...(result.ok ? {} : { stage: result.stage, error: result.error.slice(0, 500) }),
    },
  });
}

/** Runs fillTestConfig, auditing a refusal before it becomes the 400 answer. */
export async function fillTestConfigAudited(kind: "source" | "target", options: TConnectionTestOptions, parts: TTestPart[]): Promise<TObj> {
  try {
    return await fillTestConfig(options, parts);
  } catch (err) {
    const e = toAppError(err);
    if (e.code !== "NOT_FOUND") await auditConnectionTest(kind, options, { ok: false, stage: "refused", error: e.message });
    throw err;
  }
}
