// One provisioning world per test file: a real slapd, a real SCIM service, a fresh
// PostgreSQL database, and a channel wired between them through the same
// applyChannelConfig that channel files and the console use.
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { getDb } from "../../lib/db/index.ts";
import { runCycle, type TCycleResult } from "../../lib/sync/run-cycle.ts";
import { startSlapd, type Slapd, type StartSlapdOptions } from "../../devkit/slapd.ts";
import { startBetterAuthScim } from "../harness/scim-better-auth.ts";
import { startScimmy } from "../../devkit/scim-scimmy.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import type { ScimService } from "../../devkit/scim-service.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

export type TWorld = {
  slapd: Slapd;
  scim: ScimService;
  channelId: number;
  /** the channel file this world was configured with; tests may change and re-apply it */
  channelConfig: Record<string, any>;
  cycle(): Promise<TCycleResult>;
  reconfigure(patch: (cfg: Record<string, any>) => void): Promise<void>;
  stop(): Promise<void>;
};

export async function startWorld(opts: {
  target?: "better-auth" | "scimmy";
  slapd?: StartSlapdOptions;
  /** scope by the provisioning group (default) or by a filter */
  scope?: "group" | "filter";
  configure?: (cfg: Record<string, any>, slapd: Slapd, scim: ScimService) => void;
} = {}): Promise<TWorld> {
  const db = await useTestDatabase();
  const slapd = await startSlapd(opts.slapd);
  const scim = opts.target === "scimmy" ? await startScimmy() : await startBetterAuthScim();
  const scope = opts.scope ?? "group";
  if (scope === "group") await slapd.addGroup("app-users", []);
  const channelConfig: Record<string, any> = {
    name: "test channel",
    connectionId: "test-sp",
    syncFrequencySec: 60,
    source: {
      directoryType: "openldap",
      url: slapd.url,
      bindDn: slapd.adminDn,
      bindPassword: slapd.adminPassword,
      baseDn: slapd.peopleDn,
      ...(scope === "group" ? { groupDn: `cn=app-users,${slapd.groupsDn}` } : { filter: "(employeeType=staff)" }),
      groupBaseDn: slapd.groupsDn,
      groupFilter: "(&(objectClass=groupOfNames)(!(cn=app-users)))",
      disabled: { kind: "attribute", attribute: "employeeType", value: "disabled" },
    },
    target: { url: scim.baseUrl, auth: { type: "bearer", token: scim.token }, maxRetries: 2 },
    options: { fullSyncIntervalSec: 3600 },
  };
  opts.configure?.(channelConfig, slapd, scim);
  const { id } = await applyChannelConfig({ config: channelConfig, actor: "test", via: "test" });
  return {
    slapd,
    scim,
    channelId: id,
    channelConfig,
    cycle: () => runCycle({ channelId: id, trigger: "test" }),
    reconfigure: async (patch) => {
      patch(channelConfig);
      await applyChannelConfig({ config: channelConfig, actor: "test", via: "test" });
    },
    stop: async () => {
      await scim.stop().catch(() => undefined);
      await slapd.stop().catch(() => undefined);
      await db.cleanup();
    },
  };
}

export async function userRecord(channelId: number, providerName: string) {
  const db = await getDb();
  return db.userRecord.findFirst({ where: { channelId, providerName } });
}

/**
 * A world whose channel reaches its SCIM service through a fault proxy (test/harness),
 * so a test can make the target refuse, delay or drop requests. `target` sets the rest
 * of the channel's target (maxRetries 0 unless given: a test counts the requests).
 */
export async function startWorldBehindProxy(target: Record<string, unknown> = {}): Promise<{ w: TWorld; proxy: FaultProxy }> {
  const w = await startWorld();
  const proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => {
    c.target = { ...c.target, maxRetries: 0, ...target, url: proxy.baseUrl };
  });
  return { w, proxy };
}
