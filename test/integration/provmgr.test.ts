// provmgr (seed 000), the reading side and the errors: the real CLI process against a
// store filled by real cycles (slapd -> Ferry -> Better Auth's SCIM service). Store
// changes are in provmgr-store.test.ts, resets and nodes in provmgr-resets.test.ts.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { osActor } from "../../lib/audit/record-audit.ts";
import { getDb } from "../../lib/db/index.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { auditSince, errorLines, parsed, provmgr, ROOT, testLog } from "./provmgr.helpers.ts";

let w: TWorld;
let c: string;
const dns: Record<string, string> = {};
const SECRET_USER_PASSWORD = "Eve-s3cret-passw0rd";
const started = new Date();

/** Every argument of the seed's table. */
const SEED_ARGUMENTS = [
  "--help",
  "--show-channels",
  "--show-nodes",
  "--force-node-backup",
  "-n <node ID>",
  "-c <channel-id>",
  "--reset-group-timestamp",
  "--reset-attribute-sync",
  "--reset-values-hash",
  "--reset-all",
  "--show-dirty-records",
  "--show-dirty-group-records",
  "--show-dirty-user-records",
  "--show-user",
  "--show-group",
  "-u <provider name>",
  "-g <LDAP GUID>",
  "--clear-dirty-records",
  "--clear-dirty-group-records",
  "--clear-dirty-user-records",
  "--delete-dirty-records",
  "--delete-dirty-group-records",
  "--delete-dirty-user-records",
  "--delete-all",
  "--delete-all-users",
  "--show-target",
  "--show-source",
];

beforeAll(async () => {
  w = await startWorld();
  c = String(w.channelId);
  const appUsers = `cn=app-users,${w.slapd.groupsDn}`;
  for (const uid of ["ann", "ben", "cat", "dan"]) {
    dns[uid] = await w.slapd.addUser({ uid, givenName: uid.toUpperCase(), sn: "Tester", mail: `${uid}@example.com` });
  }
  // no mail: Better Auth refuses her (400), so she stays dirty with the target's error;
  // her password is readable by the bind account and must never be printed
  dns.eve = await w.slapd.addUser({ uid: "eve", givenName: "Eve", sn: "Tester", extra: { userPassword: SECRET_USER_PASSWORD } });
  await w.slapd.addMembers(appUsers, Object.values(dns));
  await w.slapd.addGroup("Engineering", [dns.ann!, dns.ben!]);
  await w.cycle();

  // the target rejects everything for one cycle: dan's change and the new group wait, dirty
  await w.reconfigure((cfg) => (cfg.target.auth.token = "not-the-token-of-this-service"));
  await w.slapd.modify(dns.dan!, { givenName: "Daniel" });
  await w.slapd.addGroup("Sales", [dns.cat!]);
  await w.cycle();
  await w.reconfigure((cfg) => (cfg.target.auth.token = w.scim.token));
});
afterAll(async () => {
  await w?.stop();
});

/** user_record and group_record as they are, to show that reading commands change nothing. */
async function storeSnapshot() {
  const db = await getDb();
  const users = await db.userRecord.findMany({ where: { channelId: w.channelId }, orderBy: { id: "asc" } });
  const groups = await db.groupRecord.findMany({ where: { channelId: w.channelId }, orderBy: { id: "asc" } });
  const channel = await db.channel.findUnique({ where: { id: w.channelId } });
  return JSON.stringify({ users, groups, channel }, (_, v) => (typeof v === "bigint" ? v.toString() : v));
}

describe("provmgr: help and how it is started", () => {
  it("--help, -h and no arguments describe every argument, from any directory, without a database", async () => {
    const offline = { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/none" };
    const runs = await Promise.all([
      provmgr([], { via: "tsx", env: offline }),
      provmgr(["--help"], { via: "sh", cwd: tmpdir(), env: offline }),
      provmgr(["-h"], { via: "bin", cwd: "/", env: offline }),
      provmgr(["--help"], { via: "npx", env: offline }),
    ]);
    for (const r of runs) {
      expect(r.code, r.stderr).toBe(0);
      for (const arg of SEED_ARGUMENTS) expect(r.stdout).toContain(arg);
      expect(r.stdout).toMatch(/Exit codes:[\s\S]*\b4\s+no such channel/);
      expect(errorLines(r)).toEqual([]);
    }
  });
});

describe("provmgr: global commands", () => {
  it("--show-channels prints ID, name, connection ID, both statuses, users/dirty, source as LDAP URL, target, and the last cycle's status and reason", async () => {
    const before = await storeSnapshot();
    const [text, json] = await Promise.all([provmgr(["--show-channels"]), provmgr(["--show-channels", "--json"])]);
    expect(text.code, text.stderr).toBe(0);
    const [head, row] = text.stdout.trim().split("\n");
    expect(head).toMatch(/^ID\s+NAME\s+CONNECTION ID\s+CONNECTION\s+CHANNEL\s+HEALTH\s+USERS\/DIRTY\s+GROUPS\/DIRTY\s+SOURCE\s+TARGET\s+LAST CYCLE\s+MESSAGE$/);
    // the cycle with the wrong token: PARTIAL, and why, in the text output as in --json
    const db = await getDb();
    const ch = await db.channel.findUniqueOrThrow({ where: { id: w.channelId } });
    expect(ch.lastCycleStatus).toBe("PARTIAL");
    const at = ch.lastCycleAt!.toISOString().replace(/\.\d{3}Z$/, "Z");
    expect(row).toMatch(new RegExp(`\\sPARTIAL ${at}\\s+\\d+ record\\(s\\) not acknowledged by the target; they stay dirty \\(.*401 Invalid SCIM bearer token`));
    expect(row!.endsWith(ch.lastCycleMessage!.replace(/\s*[\r\n]+\s*/g, " "))).toBe(true);
    // five users of which dan and eve are dirty; two groups of which Sales is dirty
    expect(row).toMatch(new RegExp(`^${c}\\s+test channel\\s+test-sp\\s+active\\s+active\\s+failing\\s+5/2\\s+2/1\\s+ldap://`));
    expect(row).toContain(`${w.slapd.url.replace(/\/$/, "")}/${w.slapd.peopleDn}??sub?`);
    expect(row).toContain(w.scim.baseUrl);

    const j = parsed(json);
    expect(j.command).toBe("show-channels");
    expect(j.channels).toHaveLength(1);
    expect(j.channels[0]).toMatchObject({ id: w.channelId, name: "test channel", connectionStatus: "active", channelStatus: "active", users: 5, dirtyUsers: 2, groups: 2, dirtyGroups: 1, lastCycleStatus: "PARTIAL", lastCycleMessage: ch.lastCycleMessage, health: { state: "failing" } });
    expect(await storeSnapshot()).toBe(before);
  });
});

describe("provmgr: channel commands that read", () => {
  it("--show-dirty-records, --show-dirty-user-records and --show-dirty-group-records list what the target has not acknowledged", async () => {
    const before = await storeSnapshot();
    const [all, users, groups, allJson] = await Promise.all([
      provmgr(["-c", c, "--show-dirty-records"]),
      provmgr(["-c", c, "--show-dirty-user-records"]),
      provmgr(["-c", c, "--show-dirty-group-records"]),
      provmgr(["-c", c, "--show-dirty-records", "--json"]),
    ]);
    for (const r of [all, users, groups, allJson]) expect(r.code, r.stderr).toBe(0);

    const lines = all.stdout.trim().split("\n");
    expect(lines[0]).toMatch(/^TYPE\s+ACTION\s+ATTEMPTS\s+PROVIDER NAME\s+LDAP GUID\s+LAST ATTEMPT\s+DN\s+LAST ERROR$/);
    const eve = lines.find((l) => /^user\s+CREATE\s+\d+\s+eve\s/.test(l));
    expect(eve).toBeDefined();
    // the last error, as the target gave it (the cycle with the wrong token)
    expect(eve).toMatch(/401 Invalid SCIM bearer token$/);
    expect(lines.some((l) => /^user\s+UPDATE\s+\d+\s+dan\s/.test(l))).toBe(true);
    expect(lines.some((l) => /^group\s+CREATE\s+\d+\s+Sales\s/.test(l))).toBe(true);
    expect(lines.at(-1)).toBe(`Channel ${c}: 2 dirty user records and 1 dirty group record.`);

    expect(users.stdout).toContain("eve");
    expect(users.stdout).not.toMatch(/^group/m);
    expect(users.stdout.trim().split("\n").at(-1)).toBe(`Channel ${c}: 2 dirty user records.`);
    expect(groups.stdout).toMatch(/^group\s+CREATE\s+\d+\s+Sales/m);
    expect(groups.stdout).not.toMatch(/^user/m);
    expect(groups.stdout.trim().split("\n").at(-1)).toBe(`Channel ${c}: 1 dirty group record.`);

    const j = parsed(allJson);
    expect(j.counts).toEqual({ users: 2, groups: 1 });
    const byName = Object.fromEntries(j.records.map((r: any) => [r.providerName, r]));
    expect(byName.eve).toMatchObject({ kind: "user", pendingAction: "CREATE", targetState: "ABSENT" });
    expect(byName.eve.lastError).toMatch(/401 Invalid SCIM bearer token/);
    // refused twice: for want of an email, then for the wrong token
    expect(byName.eve.attempts).toBe(2);
    expect(byName.dan).toMatchObject({ kind: "user", pendingAction: "UPDATE", targetState: "ACTIVE", dn: dns.dan });
    expect(byName.Sales).toMatchObject({ kind: "group", pendingAction: "CREATE" });
    expect(await storeSnapshot()).toBe(before);
  });

  it("--show-user and --show-group print every internal field, the transitory mapping fields and the LDAP attributes", async () => {
    const before = await storeSnapshot();
    const annGuid = await w.slapd.entryUUID(dns.ann!);
    const salesGuid = await w.slapd.entryUUID(`cn=Sales,${w.slapd.groupsDn}`);
    const [eve, ann, engineering, sales, danJson] = await Promise.all([
      provmgr(["-c", c, "--show-user", "-u", "eve"]),
      // a GUID as an administrator may paste it: upper case
      provmgr(["-c", c, "--show-user", "-g", annGuid.toUpperCase()]),
      // provider names are matched without regard to case, as SCIM does
      provmgr(["-c", c, "--show-group", "-u", "engineering"]),
      provmgr(["-c", c, "--show-group", "-g", salesGuid]),
      provmgr(["-c", c, "--show-user", "-u", "dan", "--json"]),
    ]);
    for (const r of [eve, ann, engineering, sales, danJson]) expect(r.code, r.stderr).toBe(0);

    // eve: never acknowledged; what waits to be pushed, the target's error, her LDAP entry
    expect(eve.stdout).toMatch(/^User eve \(channel \d+\)$/m);
    for (const field of ["Record ID", "LDAP GUID", "DN", "SCIM ID", "Source state", "Target state", "Values hash", "LDAP timestamp", "Attempts", "Last synced"]) {
      expect(eve.stdout).toMatch(new RegExp(`^  ${field}\\s`, "m"));
    }
    expect(eve.stdout).toMatch(/^  Dirty\s+yes$/m);
    expect(eve.stdout).toMatch(/^  Pending action\s+CREATE$/m);
    expect(eve.stdout).toMatch(/^  Last error\s+.*401 Invalid SCIM bearer token$/m);
    expect(eve.stdout).toMatch(/^  Attempts\s+2$/m);
    const transitory = eve.stdout.split("Transitory mapping fields (waiting to be pushed)\n")[1]!.split("\nValues acknowledged")[0]!;
    expect(transitory).toMatch(/^  userName\s+eve$/m);
    expect(transitory).toMatch(/^  name\.givenName\s+Eve$/m);
    const ldap = eve.stdout.split("LDAP attributes retrieved\n")[1]!;
    expect(ldap).toMatch(/^  uid\s+eve$/m);
    expect(ldap).toMatch(/^  objectclass\s+\S+/m);
    // password attributes are never kept in the store, so there is nothing to show
    expect(ldap).not.toMatch(/^  userpassword/m);
    expect(eve.stdout).not.toContain(SECRET_USER_PASSWORD);

    // ann, found by GUID: acknowledged values and her group at the target
    expect(ann.stdout).toMatch(/^User ann /m);
    expect(ann.stdout).toMatch(new RegExp(`^  LDAP GUID\\s+${annGuid.toLowerCase()}$`, "m"));
    expect(ann.stdout).toMatch(/^  Target state\s+ACTIVE$/m);
    expect(ann.stdout).toContain("(none: nothing is waiting)");
    expect(ann.stdout).toMatch(/Values acknowledged by the target\n(  .*\n)*  userName\s+ann\n/);
    expect(ann.stdout).toMatch(/Groups acknowledged by the target \(1\)\n  PROVIDER NAME.*\n  Engineering\s/);

    // a group: its member DNs as read and the members the target acknowledged
    expect(engineering.stdout).toMatch(/^Group Engineering /m);
    expect(engineering.stdout).toMatch(/^  Resync members\s+no$/m);
    expect(engineering.stdout).toContain(`Member DNs read from the directory (2)\n  ${dns.ann!.toLowerCase()}\n  ${dns.ben!.toLowerCase()}\n`);
    expect(engineering.stdout).toMatch(/Members acknowledged by the target \(2\)\n  PROVIDER NAME.*\n  ann\s.*\n  ben\s/);
    // Sales waits: displayName (and externalId, the GUID by default) among the transitory fields, nobody acknowledged yet
    expect(sales.stdout).toMatch(/^  Pending action\s+CREATE$/m);
    expect(sales.stdout).toMatch(/Transitory mapping fields \(waiting to be pushed\)\n(  .*\n)*  displayName\s+Sales\n/);
    expect(sales.stdout).toMatch(/Transitory mapping fields \(waiting to be pushed\)\n(  .*\n)*  externalId\s+[0-9a-f-]{36}\n/);
    expect(sales.stdout).toContain("Members acknowledged by the target (0)");

    const dan = parsed(danJson).records[0];
    expect(dan.pendingValues["name.givenName"]).toBe("Daniel");
    expect(dan.pushedValues["name.givenName"]).toBe("DAN");
    expect(dan.ldapAttributes.givenname).toEqual(["Daniel"]);
    expect(dan.groups).toEqual([]);
    expect(await storeSnapshot()).toBe(before);
  });

  it("--show-source and --show-target show the configuration with every secret masked", async () => {
    const [source, target, sourceJson, targetJson] = await Promise.all([
      provmgr(["-c", c, "--show-source"]),
      provmgr(["-c", c, "--show-target"]),
      provmgr(["-c", c, "--show-source", "--json"]),
      provmgr(["-c", c, "--show-target", "--json"]),
    ]);
    for (const r of [source, target, sourceJson, targetJson]) {
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).not.toContain(w.slapd.adminPassword);
      expect(r.stdout).not.toContain(w.scim.token);
      expect(r.stdout).not.toContain("enc:v1:");
    }
    expect(source.stdout).toMatch(/^Source of channel \d+ \(test channel\)$/m);
    expect(source.stdout).toMatch(/^  LDAP URL\s+ldap:\/\/.*\?\?sub\?\(&\(objectClass=inetOrgPerson\)\(memberOf=cn=app-users/m);
    expect(source.stdout).toMatch(new RegExp(`^  Bind DN\\s+${w.slapd.adminDn}$`, "m"));
    expect(source.stdout).toMatch(/^  Bind password\s+\*{8}$/m);
    expect(source.stdout).toMatch(new RegExp(`^  Base DN\\s+${w.slapd.peopleDn}$`, "m"));
    expect(source.stdout).toMatch(new RegExp(`^  Provisioning group DN\\s+cn=app-users,${w.slapd.groupsDn}$`, "m"));
    expect(source.stdout).toMatch(/^  GUID attribute\s+entryUUID$/m);
    expect(source.stdout).toMatch(/^  Disabled when\s+employeeType = disabled$/m);
    expect(source.stdout).toMatch(/^  Attribute-sync timestamp\s+\d{14}Z$/m);

    expect(target.stdout).toMatch(/^Target of channel \d+ \(test channel\)$/m);
    expect(target.stdout).toMatch(/^  Authentication\s+bearer$/m);
    expect(target.stdout).toMatch(/^  Bearer token\s+\*{8}$/m);
    expect(target.stdout).toContain(w.scim.baseUrl);
    expect(target.stdout).toMatch(/^  User matching\s+inventory$/m);
    // left out: the generic profile's values, said to be the profile's
    expect(target.stdout).toMatch(/^  Profile\s+generic \(left out\)$/m);
    expect(target.stdout).toMatch(/^  Members per request\s+200 \(the profile's\)$/m);
    expect(target.stdout).toMatch(/^  userName\s+uid$/m);
    expect(target.stdout).toMatch(/^  removeUserAction\s+disable$/m);

    const s = parsed(sourceJson);
    expect(s.source).toMatchObject({ bindDn: w.slapd.adminDn, bindPassword: "********", baseDn: w.slapd.peopleDn, guidAttribute: "entryUUID" });
    const t = parsed(targetJson);
    expect(t.target.auth).toEqual({ type: "bearer", token: "********" });
    expect(t.mapping.user.userName).toBe("uid");
  });
});

describe("provmgr: errors, for people and for scripts", () => {
  it("says in one line what to do, with the documented exit code", async () => {
    // a database host that accepts the connection and never answers
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    const silentUrl = `postgresql://postgres@127.0.0.1:${(silent.address() as AddressInfo).port}/ferry`;
    const [hangingDb, unknownChannel, noChannel, unknownArg, noDb, noRecord, unknownUser, notNumber, twoCommands, unknownNode, jsonError, noNode] = await Promise.all([
      provmgr(["--show-channels"], { env: { DATABASE_URL: silentUrl, FERRY_PROVMGR_DB_TIMEOUT_SEC: "1" } }),
      provmgr(["-c", "999", "--show-source"]),
      provmgr(["--reset-all"]),
      provmgr(["--frobnicate"]),
      provmgr(["-c", c, "--show-dirty-records"], { env: { DATABASE_URL: "postgresql://postgres@127.0.0.1:1/ferry" } }),
      provmgr(["-c", c, "--show-user"]),
      provmgr(["-c", c, "--show-user", "-u", "nobody"]),
      provmgr(["-c", "one", "--show-source"]),
      provmgr(["-c", c, "--show-source", "--show-target"]),
      provmgr(["--force-node-backup", "-n", "999"]),
      provmgr(["-c", "999", "--delete-all", "--json"]),
      provmgr(["--force-node-backup"]),
    ]);
    const expectOneLine = (r: typeof unknownChannel, code: number, text: RegExp) => {
      expect(r.code, r.stderr).toBe(code);
      const lines = errorLines(r);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/^provmgr: error: /);
      expect(lines[0]).toMatch(text);
    };
    expectOneLine(unknownChannel, 4, /channel 999 does not exist \(see provmgr --show-channels\)/);
    expectOneLine(noChannel, 2, /--reset-all needs a channel: add -c <channel-id>/);
    expectOneLine(unknownArg, 2, /unknown option '--frobnicate'.*provmgr --help/);
    silent.close();
    expectOneLine(hangingDb, 7, /the Ferry database did not answer within 1 s — check DATABASE_URL/);
    expectOneLine(noDb, 7, /cannot open the Ferry database at postgresql:\/\/postgres@127\.0\.0\.1:1\/ferry.*check DATABASE_URL/);
    expectOneLine(noRecord, 2, /--show-user needs -u <provider name> or -g <LDAP GUID>/);
    expectOneLine(unknownUser, 4, /no user with provider name nobody in channel/);
    expectOneLine(notNumber, 2, /-c must be a channel ID number/);
    expectOneLine(twoCommands, 2, /one command at a time/);
    expectOneLine(unknownNode, 4, /node 999 does not exist/);
    expectOneLine(noNode, 2, /--force-node-backup needs a node: add -n <node ID>/);
    expect(unknownChannel.stdout).toBe("");

    expect(jsonError.code).toBe(4);
    expect(parsed(jsonError)).toEqual({
      command: "delete-all",
      error: { code: "NOT_FOUND", exitCode: 4, message: "channel 999 does not exist (see provmgr --show-channels)" },
    });
  });

  it("wrote its log file, and read-only commands left no audit entry", async () => {
    const log = readFileSync(testLog().logFile, "utf8");
    expect(log).toMatch(/ INFO  start pid=\d+ command=show-channels args=--show-channels actor=\S+/);
    expect(log).toMatch(/ INFO  done pid=\d+ command=show-dirty-records exit=0 ms=\d+ users=2 groups=1/);
    expect(log).toMatch(/ ERROR failed pid=\d+ command=show-source code=NOT_FOUND exit=4 /);
    expect(log).toMatch(/ ERROR failed pid=\d+ command=show-dirty-records code=DATABASE_UNAVAILABLE exit=7 /);
    expect(log).not.toContain(w.scim.token);
    expect(log).not.toContain(SECRET_USER_PASSWORD);
    const audit = (await auditSince(w.channelId, started)).filter((a) => a.via === "cli");
    expect(audit).toEqual([]);
    expect(osActor()).toContain("@");
  });
});

describe("provmgr: many dirty records", () => {
  it("streams 20,000 dirty records page by page, complete and in order, and stops quietly when the reader does", async () => {
    const db = await getDb();
    // a directory-sized backlog: the target has acknowledged none of these
    await db.$executeRawUnsafe(
      `INSERT INTO user_record (channel_id, guid, dn, provider_name, dirty, pending_action, last_error, attempts)
       SELECT $1, 'bulk-' || g, 'uid=bulk' || g || ',ou=people,dc=example,dc=com', 'bulk' || g, true, 'CREATE', 'target timed out', 3
       FROM generate_series(1, 20000) g`,
      w.channelId,
    );
    const [text, json] = await Promise.all([provmgr(["-c", c, "--show-dirty-user-records"]), provmgr(["-c", c, "--show-dirty-user-records", "--json"])]);
    expect(text.code, text.stderr).toBe(0);
    const lines = text.stdout.trim().split("\n");
    expect(lines).toHaveLength(1 + 20_002 + 1);
    expect(lines.at(-1)).toBe(`Channel ${c}: 20002 dirty user records.`);
    expect(lines.filter((l) => /^user\s+CREATE\s+3\s+bulk\d+\s/.test(l))).toHaveLength(20_000);

    const j = parsed(json);
    expect(j.counts).toEqual({ users: 20_002 });
    const ids = j.records.map((r: any) => BigInt(r.id));
    expect(new Set(ids).size).toBe(20_002);
    expect(ids.every((id: bigint, i: number) => i === 0 || id > ids[i - 1])).toBe(true);

    // `provmgr … | head -3` in a cron script: no EPIPE trace, exit 0
    const piped = spawnSync("bash", ["-c", `set -o pipefail; node --import tsx cli/provmgr.ts -c ${c} --show-dirty-user-records | head -3`], {
      cwd: ROOT,
      env: { ...process.env, FERRY_PROVMGR_LOG_CONFIG: testLog().config },
      encoding: "utf8",
    });
    expect(piped.status, piped.stderr).toBe(0);
    expect(piped.stdout.trim().split("\n")).toHaveLength(3);
    expect(piped.stderr).toBe("");
  });
});
