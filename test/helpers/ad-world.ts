// One Active Directory world per test file: a real Samba AD DC (devkit/samba-ad.ts, its
// template provisioned once per machine), a fresh PostgreSQL database, and one channel
// per change feed under test, each to its own SCIMMY target, all reading the same
// directory: one change in AD, one cycle per channel, each target checked.
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import type { TChangeCaptureKind } from "../../lib/channel-config/config.ts";
import { runCycle, type TCycleResult } from "../../lib/sync/run-cycle.ts";
import { startSambaAd, type SambaAd } from "../../devkit/samba-ad.ts";
import { startScimmy } from "../../devkit/scim-scimmy.ts";
import type { ScimService } from "../../devkit/scim-service.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

export type TAdChannel = {
  feed: TChangeCaptureKind;
  id: number;
  scim: ScimService;
  config: Record<string, any>;
  cycle(): Promise<TCycleResult>;
  reconfigure(patch: (cfg: Record<string, any>) => void): Promise<void>;
};

export type TAdWorld = {
  ad: SambaAd;
  peopleDn: string;
  elsewhereDn: string;
  groupsDn: string;
  /** the provisioning group (nested membership followed) */
  appGroupDn: string;
  channels: TAdChannel[];
  /** a channel to one more target, after the world started (another bind account, say) */
  addChannel(feed: TChangeCaptureKind, configure?: (cfg: Record<string, any>) => void): Promise<TAdChannel>;
  addUser(sam: string, opts?: { memberOf?: string[]; extra?: Record<string, string | string[]>; password?: string }): Promise<string>;
  stop(): Promise<void>;
};

/** The feeds under test: FERRY_AD_FEEDS=timestamp shows what the tests catch without AD change capture. */
export function feedsUnderTest(): TChangeCaptureKind[] {
  return (process.env.FERRY_AD_FEEDS ?? "dirsync,usn").split(",").map((f) => f.trim()) as TChangeCaptureKind[];
}

export async function startAdWorld(opts: { feeds: TChangeCaptureKind[]; configure?: (cfg: Record<string, any>, ad: SambaAd) => void }): Promise<TAdWorld> {
  const db = await useTestDatabase();
  const ad = await startSambaAd();
  const scims: ScimService[] = [];
  try {
    const peopleDn = await ad.addOu("People");
    const elsewhereDn = await ad.addOu("Elsewhere");
    const groupsDn = await ad.addOu("Groups");
    const appGroupDn = await ad.addGroup("app-users", groupsDn);

    const addChannel = async (feed: TChangeCaptureKind, configure?: (cfg: Record<string, any>) => void): Promise<TAdChannel> => {
      const scim = await startScimmy();
      scims.push(scim);
      const config: Record<string, any> = {
        name: `AD via ${feed} #${scims.length}`,
        connectionId: `ad-${feed}-${scims.length}`,
        syncFrequencySec: 60,
        source: {
          directoryType: "active-directory",
          url: ad.url,
          bindDn: ad.adminUpn,
          bindPassword: ad.adminPassword,
          baseDn: peopleDn,
          groupDn: appGroupDn,
          nestedGroups: true,
          groupBaseDn: groupsDn,
          groupFilter: "(&(objectClass=group)(cn=team*))",
          changeCapture: feed,
        },
        mapping: { userName: "sAMAccountName", "name.givenName": "givenName", "name.familyName": "sn", "emails.work": "mail", displayName: "cn" },
        target: { url: scim.baseUrl, auth: { type: "bearer", token: scim.token }, maxRetries: 2 },
        options: { fullSyncIntervalSec: 3600 },
      };
      opts.configure?.(config, ad);
      configure?.(config);
      const { id } = await applyChannelConfig({ config, actor: "test", via: "test" });
      return {
        feed,
        id,
        scim,
        config,
        cycle: () => runCycle({ channelId: id, trigger: "test" }),
        reconfigure: async (patch) => {
          patch(config);
          await applyChannelConfig({ config, actor: "test", via: "test" });
        },
      };
    };
    const channels: TAdChannel[] = [];
    for (const feed of opts.feeds) channels.push(await addChannel(feed));

    return {
      ad,
      peopleDn,
      elsewhereDn,
      groupsDn,
      appGroupDn,
      channels,
      addChannel: async (feed, configure) => {
        const c = await addChannel(feed, configure);
        channels.push(c);
        return c;
      },
      async addUser(sam, o = {}) {
        const dn = await ad.addUser({
          sam,
          ouDn: peopleDn,
          givenName: sam,
          sn: "Tester",
          mail: `${sam}@ferry.test`,
          password: o.password,
          extra: o.extra,
        });
        for (const g of o.memberOf ?? []) await ad.addMembers(g, [dn]);
        return dn;
      },
      async stop() {
        for (const s of scims) await s.stop().catch(() => undefined);
        await ad.stop().catch(() => undefined);
        await db.cleanup();
      },
    };
  } catch (err) {
    for (const s of scims) await s.stop().catch(() => undefined);
    await ad.stop().catch(() => undefined);
    await db.cleanup();
    throw err;
  }
}
