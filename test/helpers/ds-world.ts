// One 389 Directory Server world per test file: a real 389-DS (devkit/dirsrv.ts, its
// template made once per machine), a fresh PostgreSQL database, and channels that all
// read the same directory, each into its own SCIMMY target: per change feed under test,
// one scoped by the provisioning group (memberOf) and one by a filter
// (employeeType=staff). One change in the directory, one cycle per channel, each target
// checked.
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import type { TChangeCaptureKind } from "../../lib/channel-config/config.ts";
import { runCycle, type TCycleResult } from "../../lib/sync/run-cycle.ts";
import { startDirsrv, type Dirsrv } from "../../devkit/dirsrv.ts";
import { startScimmy } from "../../devkit/scim-scimmy.ts";
import type { ScimService } from "../../devkit/scim-service.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

export type TDsScope = "group" | "filter";

export type TDsChannel = {
  feed: TChangeCaptureKind | "auto";
  scope: TDsScope;
  /** "changelog/group" */
  label: string;
  id: number;
  scim: ScimService;
  config: Record<string, any>;
  cycle(): Promise<TCycleResult>;
};

export type TDsWorld = {
  ds: Dirsrv;
  peopleDn: string;
  elsewhereDn: string;
  groupsDn: string;
  /** the provisioning group of the group-scoped channels */
  appGroupDn: string;
  channels: TDsChannel[];
  /** a user in both scopes: a member of the provisioning group and employeeType=staff */
  addUser(uid: string, opts?: { inScope?: boolean; extra?: Record<string, string | string[]> }): Promise<string>;
  stop(): Promise<void>;
};

/** The feeds under test: FERRY_DS_FEEDS=timestamp shows what the tests catch without the changelog. */
export function dsFeedsUnderTest(): Array<TChangeCaptureKind | "auto"> {
  return (process.env.FERRY_DS_FEEDS ?? "changelog").split(",").map((f) => f.trim()) as Array<TChangeCaptureKind | "auto">;
}

export async function startDsWorld(opts: { feeds: Array<TChangeCaptureKind | "auto">; scopes?: TDsScope[] }): Promise<TDsWorld> {
  const db = await useTestDatabase();
  const ds = await startDirsrv();
  const scims: ScimService[] = [];
  try {
    const peopleDn = await ds.addOu("People");
    const elsewhereDn = await ds.addOu("Elsewhere");
    const groupsDn = await ds.addOu("Groups");
    // groupOfNames needs a member: the provisioning group starts with the service account
    const appGroupDn = await ds.addGroup("app-users", groupsDn, [ds.serviceDn]);

    const channels: TDsChannel[] = [];
    for (const feed of opts.feeds) {
      for (const scope of opts.scopes ?? (["group", "filter"] as TDsScope[])) {
        const scim = await startScimmy();
        scims.push(scim);
        const config: Record<string, any> = {
          name: `389-DS via ${feed} by ${scope}`,
          connectionId: `ds-${feed}-${scope}`,
          syncFrequencySec: 60,
          source: {
            directoryType: "389ds",
            url: ds.url,
            bindDn: ds.serviceDn,
            bindPassword: ds.servicePassword,
            baseDn: peopleDn,
            ...(scope === "group" ? { groupDn: appGroupDn } : { filter: "(employeeType=staff)" }),
            groupBaseDn: groupsDn,
            groupFilter: "(&(objectClass=groupOfNames)(cn=team*))",
            changeCapture: feed,
          },
          target: { url: scim.baseUrl, auth: { type: "bearer", token: scim.token }, maxRetries: 2 },
          options: { fullSyncIntervalSec: 3600 },
        };
        const { id } = await applyChannelConfig({ config, actor: "test", via: "test" });
        channels.push({ feed, scope, label: `${feed}/${scope}`, id, scim, config, cycle: () => runCycle({ channelId: id, trigger: "test" }) });
      }
    }

    return {
      ds,
      peopleDn,
      elsewhereDn,
      groupsDn,
      appGroupDn,
      channels,
      async addUser(uid, o = {}) {
        const inScope = o.inScope ?? true;
        const dn = await ds.addUser({
          uid,
          ouDn: peopleDn,
          givenName: uid,
          sn: "Tester",
          mail: `${uid}@ferry.test`,
          extra: { ...(inScope ? { employeeType: "staff" } : {}), ...(o.extra ?? {}) },
        });
        if (inScope) await ds.addMembers(appGroupDn, [dn]);
        return dn;
      },
      async stop() {
        for (const s of scims) await s.stop().catch(() => undefined);
        await ds.stop().catch(() => undefined);
        await db.cleanup();
      },
    };
  } catch (err) {
    for (const s of scims) await s.stop().catch(() => undefined);
    await ds.stop().catch(() => undefined);
    await db.cleanup();
    throw err;
  }
}
