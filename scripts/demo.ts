// `npm run demo`: Ferry with everything a newcomer needs to watch provisioning happen.
// A demo directory (a real OpenLDAP slapd with 60 people and 5 groups), a demo SCIM
// service (SCIMMY, in memory), a demo channel between them, the worker and the console.
// Every 20 seconds something changes in the directory, and the next cycle carries it
// to the SCIM service.
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { applyChannelConfig } from "../lib/channels/apply-channel-config.ts";
import { deleteAll } from "../lib/channels/delete-all.ts";
import { getAuthEnv } from "../lib/auth/auth-env.ts";
import { getDb } from "../lib/db/index.ts";
import { getEnv, getLaunchEnv } from "../lib/env.ts";
import { directoryNames, generateDirectoryLdif, generatedDirectorySource, startSlapd } from "../devkit/slapd.ts";
import { startScimmy } from "../devkit/scim-scimmy.ts";
import { launch, onShutdown } from "./launch.ts";
import { watchCycles } from "../devkit/watch-cycles.ts";

const USERS = 60;
const GROUPS = 5;

async function main(): Promise<void> {
  // every setting is checked before anything starts
  const { dataDir } = getEnv();
  const { FERRY_DEMO_SCIM_PORT } = getLaunchEnv();
  const { FERRY_ADMIN_USERNAME, FERRY_ADMIN_PASSWORD } = getAuthEnv();
  console.log("starting the demo directory (OpenLDAP slapd)…");
  const opts = { users: USERS, groups: GROUPS, membersPerGroup: 12 };
  const slapd = await startSlapd({ ldif: generateDirectoryLdif(opts) });
  const names = directoryNames(opts);
  console.log("starting the demo SCIM service (SCIMMY)…");
  const scim = await startScimmy({ port: FERRY_DEMO_SCIM_PORT || undefined });

  const db = await getDb();
  const channel = await applyChannelConfig({
    actor: "demo",
    via: "cli",
    config: {
      name: "demo",
      connectionId: "demo-app",
      syncFrequencySec: 10,
      source: {
        directoryType: "openldap",
        ...generatedDirectorySource(slapd, names),
        disabled: { kind: "attribute", attribute: "employeeType", value: "disabled" },
      },
      target: { url: scim.baseUrl, auth: { type: "bearer", token: scim.token } },
      mapping: {
        userName: "uid",
        "name.givenName": "givenName",
        "name.familyName": "sn",
        "emails.work": "mail",
        displayName: { template: "{givenName} {sn}" },
        title: "title",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber": "employeeNumber",
      },
      options: { removeUserAction: "disable", fullSyncIntervalSec: 300 },
    },
  });
  // the demo directory and SCIM service are new on every start: so is the channel's store
  await deleteAll({ channelId: channel.id, keepGroups: false, actor: "demo", via: "cli" });
  await db.channel.update({ where: { id: channel.id }, data: { lastCycleAt: null } });

  // the demo's first admin has a password kept in the data directory, so the banner can say it
  const adminFile = path.join(dataDir, "demo-admin-password");
  if (!existsSync(adminFile)) writeFileSync(adminFile, randomBytes(12).toString("base64url") + "\n", { mode: 0o600 });
  const adminPassword = FERRY_ADMIN_PASSWORD ?? readFileSync(adminFile, "utf8").trim();
  const ferry = await launch({ extraEnv: { FERRY_ADMIN_PASSWORD: adminPassword } });
  console.log(`
  Ferry is running.
    console        http://127.0.0.1:${ferry.port}/   sign in as ${FERRY_ADMIN_USERNAME} / ${adminPassword}
    demo channel   #${channel.id} "demo": ${slapd.url} (${USERS} people) -> ${scim.baseUrl}
    try            npx provmgr --show-channels
                   npx provmgr -c ${channel.id} --show-dirty-records
  Every 20 s the demo changes the directory; watch the next cycle carry it over. Ctrl-C stops.
`);

  // what each cycle does while it runs, and how it ended
  const stopWatching = watchCycles(channel.id, (line) => console.log(`[demo] ${line}`), { everyMs: 3_000 });

  let tick = 0;
  const activity = setInterval(async () => {
    tick++;
    try {
      // every fourth change enables again the person the one before disabled
      const i = ((tick % 4 === 0 ? tick - 1 : tick) * 7) % USERS;
      const uid = names.uid(i);
      const dn = names.userDn(i);
      switch (tick % 4) {
        case 1:
          await slapd.modify(dn, { title: `Engineer level ${tick}` });
          console.log(`[demo] ${uid}: title changed`);
          break;
        case 2: {
          const newUid = `newhire${tick}`;
          const newDn = await slapd.addUser({ uid: newUid, givenName: "New", sn: `Hire ${tick}`, mail: `${newUid}@example.com` });
          await slapd.addMembers(names.provisionedGroupDn, [newDn]);
          console.log(`[demo] ${newUid}: hired and added to the provisioning group`);
          break;
        }
        case 3:
          await slapd.modify(dn, { employeeType: "disabled" });
          console.log(`[demo] ${uid}: disabled in the directory`);
          break;
        default:
          await slapd.modify(dn, { employeeType: "staff" });
          console.log(`[demo] ${uid}: enabled again`);
      }
    } catch (err) {
      console.error(`[demo] change failed: ${(err as Error).message}`);
    }
  }, 20_000);

  onShutdown(async () => {
    clearInterval(activity);
    stopWatching();
    await ferry.stop();
    await scim.stop();
    await slapd.stop();
  });
}

main().catch((err) => {
  console.error(`demo failed to start: ${(err as Error).message}`);
  process.exit(1);
});
