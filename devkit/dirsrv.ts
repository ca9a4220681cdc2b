/**
 * A real 389 Directory Server for Ferry's integration tests (Debian's `389-ds-base`).
 *
 * - Created once (`dscreate from-file`, ~7-17 s) into a template under the temp dir, keyed
 *   by the server's version, behind a lock directory: every 389-DS test file of a run (and
 *   the next runs on the same machine) copies it instead of creating it again.
 *   dscreate is pointed at a private PREFIX tree whose defaults.inf puts every path of the
 *   instance under the template and says `with_systemd = 0` (else it calls systemctl).
 *   The template has the Retro Changelog (`nsslapd-attribute: nsuniqueid:targetUniqueId`),
 *   memberOf and entry USN plugins on and small caches (the auto-sized BDB cache is ~1.5 GB
 *   of region files).
 * - Each startDirsrv() copies the template (`cp -a`: ns-slapd runs as `dirsrv` and needs
 *   its folders owned by it), rewrites the paths and the port in dse.ldif and runs
 *   `ns-slapd -d 0` (in the foreground) on a free loopback port. The template holds the
 *   configuration only, with an empty database (BDB's log names the database folder by its
 *   full path): each copy is given the suffix, the service account and its ACIs over LDAP.
 *
 * Needs root (ns-slapd starts as root and drops to `dirsrv`); scripts/install-system-deps.sh
 * installs the package. FERRY_DIRSRV_CACHE_DIR moves the template.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, readdir, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { Attribute, Change, Client, NoSuchObjectError } from "ldapts";
import { freePort } from "./ports.ts";
import { sleep, withLock } from "./lock.ts";

const execFileP = promisify(execFile);

export const DS_BASE_DN = "dc=ferry,dc=test";
export const DS_ADMIN_DN = "cn=Directory Manager";
const ADMIN_PASSWORD = "Ferry-DS-Adm1n-2026";
const INSTANCE = "ferry";
/** the account Ferry binds as: reads the suffix (operational attributes too) and cn=changelog, nothing else */
export const DS_SERVICE_DN = `uid=ferry-svc,ou=Services,${DS_BASE_DN}`;
export const DS_SERVICE_PASSWORD = "Svc-Ferry-DS-Passw0rd";
/** bump when the template's making changes */
const TEMPLATE_VERSION = "3";

export interface Dirsrv {
  url: string;
  port: number;
  baseDn: string;
  adminDn: string;
  adminPassword: string;
  serviceDn: string;
  servicePassword: string;
  /** what this start cost: creating the template (0 when cached) and copy + start until the first bind */
  timings: { createMs: number; startMs: number };
  /** a client bound as Directory Manager; closed by stop() */
  admin(): Promise<Client>;
  addOu(name: string, parentDn?: string): Promise<string>;
  addUser(u: { uid: string; ouDn: string; givenName?: string; sn?: string; mail?: string; cn?: string; extra?: Record<string, string | string[]> }): Promise<string>;
  addGroup(cn: string, ouDn: string, memberDns?: string[]): Promise<string>;
  addMembers(groupDn: string, memberDns: string[]): Promise<void>;
  removeMembers(groupDn: string, memberDns: string[]): Promise<void>;
  replace(dn: string, attrs: Record<string, string | string[]>): Promise<void>;
  /** modrdn; `newDn` may name another parent (a move) */
  rename(dn: string, newDn: string): Promise<void>;
  remove(dn: string): Promise<void>;
  uniqueIdOf(dn: string): Promise<string>;
  /** the root DSE's firstchangenumber / lastchangenumber */
  changelogRange(): Promise<{ first: number; last: number }>;
  /** a clean stop and a start of the same server (plugin settings take effect); returns how long it took */
  restart(): Promise<number>;
  /**
   * Deletes the retro changelog's entries up to `changeNumber` (what trimming does after
   * nsslapd-changelogmaxage). The root DSE's firstchangenumber does not follow such deletes
   * until the server restarts.
   */
  trimChangelog(upTo: number): Promise<void>;
  dir: string;
  stop(): Promise<void>;
}

// ---------------------------------------------------------------------------------------
// the template: created once, behind a lock

function cacheRoot(): string {
  return process.env.FERRY_DIRSRV_CACHE_DIR ?? path.join(os.tmpdir(), "ferry-dirsrv");
}




async function dirsrvVersion(): Promise<string> {
  const { stdout } = await execFileP("/usr/sbin/ns-slapd", ["-v"]).catch((e: { stdout?: string }) => ({ stdout: e.stdout ?? "" }));
  const m = /389-Directory\/(\S+)/.exec(stdout);
  if (!m) throw new Error(`dirsrv: cannot tell the 389-DS version (ns-slapd -v said: ${stdout.trim()})`);
  return m[1]!.replace(/[^\w.+-]+/g, "_");
}

/** where each part of an instance lives, under `root` */
function instancePaths(root: string) {
  const inst = `slapd-${INSTANCE}`;
  return {
    configDir: path.join(root, "etc", "dirsrv", inst),
    pidFile: path.join(root, "run", "dirsrv", `${inst}.pid`),
    dbDir: path.join(root, "var", "lib", "dirsrv", inst, "db"),
    errorLog: path.join(root, "var", "log", "dirsrv", inst, "errors"),
  };
}

/** The private defaults.inf: every path under `root`, no systemd. */
function defaultsInf(root: string, system: string): string {
  const set: Record<string, string> = {
    with_systemd: "0",
    tmp_dir: `${root}/tmp`,
    sysconf_dir: `${root}/etc`,
    initconfig_dir: `${root}/etc/default`,
    config_dir: `${root}/etc/dirsrv/slapd-{instance_name}`,
    local_state_dir: `${root}/var`,
    run_dir: `${root}/run/dirsrv`,
    ldapi: `${root}/run/slapd-{instance_name}.socket`,
    pid_file: `${root}/run/dirsrv/slapd-{instance_name}.pid`,
    inst_dir: `${root}/lib/dirsrv/slapd-{instance_name}`,
    tmpfiles_d: `${root}/etc/tmpfiles.d`,
    schema_dir: `${root}/etc/dirsrv/slapd-{instance_name}/schema`,
    cert_dir: `${root}/etc/dirsrv/slapd-{instance_name}`,
    lock_dir: `${root}/run/lock/dirsrv/slapd-{instance_name}`,
    log_dir: `${root}/var/log/dirsrv/slapd-{instance_name}`,
    access_log: `${root}/var/log/dirsrv/slapd-{instance_name}/access`,
    audit_log: `${root}/var/log/dirsrv/slapd-{instance_name}/audit`,
    error_log: `${root}/var/log/dirsrv/slapd-{instance_name}/errors`,
    security_log: `${root}/var/log/dirsrv/slapd-{instance_name}/security`,
    db_dir: `${root}/var/lib/dirsrv/slapd-{instance_name}/db`,
    db_home_dir: `${root}/var/lib/dirsrv/slapd-{instance_name}/db`,
    backup_dir: `${root}/var/lib/dirsrv/slapd-{instance_name}/bak`,
    ldif_dir: `${root}/var/lib/dirsrv/slapd-{instance_name}/ldif`,
  };
  return system
    .split("\n")
    .map((line) => {
      const m = /^(\w+)\s*=/.exec(line);
      return m && set[m[1]!] !== undefined ? `${m[1]} = ${set[m[1]!]}` : line;
    })
    .join("\n");
}

async function makeTree(root: string): Promise<void> {
  // dscreate makes missing parents 0770 root: ns-slapd (user dirsrv) could not pass them
  for (const d of ["", "etc", "etc/dirsrv", "share", "share/dirsrv", "share/dirsrv/inf", "var", "var/lib", "var/lib/dirsrv", "var/log", "var/log/dirsrv", "run", "run/lock", "run/lock/dirsrv", "run/dirsrv", "lib", "lib/dirsrv", "tmp"]) {
    await mkdir(path.join(root, d), { recursive: true });
    await chmod(path.join(root, d), 0o755);
  }
  await execFileP("cp", ["-r", "/etc/dirsrv/schema", "/etc/dirsrv/config", path.join(root, "etc", "dirsrv")]);
  await execFileP("chown", ["-R", "dirsrv:dirsrv", path.join(root, "var"), path.join(root, "run"), path.join(root, "tmp")]);
}

/** The template's directory, creating it first when no run has yet. */
export async function dirsrvTemplate(): Promise<{ dir: string; createMs: number }> {
  const root = cacheRoot();
  await mkdir(root, { recursive: true });
  await chmod(root, 0o755);
  const dir = path.join(root, `template-${TEMPLATE_VERSION}-${await dirsrvVersion()}`);
  if (existsSync(path.join(dir, "ready"))) return { dir, createMs: 0 };
  return withLock(path.join(root, "lock"), async () => {
    if (existsSync(path.join(dir, "ready"))) return { dir, createMs: 0 };
    const started = Date.now();
    const work = `${dir}.tmp-${process.pid}`;
    await rm(work, { recursive: true, force: true });
    try {
      await makeTree(work);
      await writeFile(path.join(work, "share", "dirsrv", "inf", "defaults.inf"), defaultsInf(work, await readFile("/usr/share/dirsrv/inf/defaults.inf", "utf8")));
      const port = await freePort();
      const inf = [
        "[general]",
        "full_machine_name = localhost",
        "start = False",
        "strict_host_checking = False",
        "[slapd]",
        `instance_name = ${INSTANCE}`,
        `port = ${port}`,
        `root_password = ${ADMIN_PASSWORD}`,
        "self_sign_cert = False",
        "[backend-userroot]",
        "sample_entries = no",
        `suffix = ${DS_BASE_DN}`,
        "create_suffix_entry = True",
        "",
      ].join("\n");
      const infFile = path.join(work, "instance.inf");
      await writeFile(infFile, inf, { mode: 0o600 });
      try {
        await execFileP("dscreate", ["from-file", infFile], { env: { ...process.env, PREFIX: work }, maxBuffer: 16 * 1024 * 1024 });
      } catch (err) {
        const e = err as { stderr?: string; stdout?: string; message: string };
        throw new Error(`dscreate failed: ${e.message}\n${(e.stdout ?? "").slice(-2000)}\n${(e.stderr ?? "").slice(-2000)}`);
      }
      await rm(infFile);
      await configureTemplate(work, port);
      writeFileSync(path.join(work, "template-path"), work);
      writeFileSync(path.join(work, "ready"), new Date().toISOString());
      await rm(dir, { recursive: true, force: true });
      await rename(work, dir);
      return { dir, createMs: Date.now() - started };
    } catch (err) {
      await rm(work, { recursive: true, force: true }).catch(() => undefined);
      throw err;
    }
  }, { waitMs: 180_000, what: "dirsrv" });
}

/**
 * Online changes to the fresh instance's configuration (plugins), then a clean stop; then
 * offline: small caches, and an empty database folder. BDB's transaction log names the
 * folder the database was made in by its full path (a copy elsewhere would recover into
 * the template's): each copy starts with no database and is given its entries over LDAP.
 */
async function configureTemplate(work: string, port: number): Promise<void> {
  const p = instancePaths(work);
  const child = spawnSlapd(p);
  const output = collect(child);
  try {
    const c0 = await bindWhenUp(`ldap://127.0.0.1:${port}`, child, output, 60_000);
    const step = <T>(what: string, fn: () => Promise<T>) => fn().catch((err: Error) => Promise.reject(new Error(`${what}: ${err.message}`)));
    const c = {
      modify: (dn: string, changes: Change | Change[]) => step(`modify ${dn}`, () => c0.modify(dn, changes)),
      add: (dn: string, attrs: Record<string, string | string[]>) => step(`add ${dn}`, () => c0.add(dn, attrs)),
      unbind: () => c0.unbind(),
    };
    const plugin = (name: string) => `cn=${name},cn=plugins,cn=config`;
    const on = new Change({ operation: "replace", modification: new Attribute({ type: "nsslapd-pluginEnabled", values: ["on"] }) });
    const replace = (type: string, values: string[]) => new Change({ operation: "replace", modification: new Attribute({ type, values }) });
    // the retro changelog: targetUniqueId names the entry as Ferry's GUID (nsUniqueId) does
    await c.modify(plugin("Retro Changelog Plugin"), [on, replace("nsslapd-attribute", ["nsuniqueid:targetUniqueId"]), replace("nsslapd-changelogmaxage", ["2d"])]);
    await c.modify(plugin("MemberOf Plugin"), [on]);
    // entryUSN: a counter every write moves (the groups' fine-grained change marker)
    await c.modify(plugin("USN"), [on]);
    await c.unbind();
    await stopSlapd(child, "SIGTERM");
  } catch (err) {
    child.kill("SIGKILL");
    throw new Error(`dirsrv: configuring the template failed: ${(err as Error).message}\n${output()}`);
  }
  // small caches, written offline (the server refuses them online while it auto-sizes)
  const dseFile = path.join(p.configDir, "dse.ldif");
  const dse = (await readFile(dseFile, "utf8"))
    .replace(/^nsslapd-cache-autosize: .*$/m, "nsslapd-cache-autosize: 0")
    .replace(/^nsslapd-dbcachesize: .*$/m, "nsslapd-dbcachesize: 16777216")
    .replace(/^nsslapd-cachememsize: .*$/gm, "nsslapd-cachememsize: 33554432")
    .replace(/^nsslapd-dncachememsize: .*$/gm, "nsslapd-dncachememsize: 16777216");
  await writeFile(dseFile, dse);
  for (const f of await readdir(p.dbDir)) await rm(path.join(p.dbDir, f), { recursive: true, force: true });
  for (const f of ["dse.ldif.bak", "dse.ldif.startOK", "dse.ldif.tmp"]) await rm(path.join(p.configDir, f), { force: true });
  // the logs of the making are not the copies' (the folder stays dirsrv's: ns-slapd writes there after dropping root)
  await rm(path.dirname(p.errorLog), { recursive: true, force: true });
  await mkdir(path.dirname(p.errorLog), { recursive: true, mode: 0o770 });
  await execFileP("chown", ["dirsrv:dirsrv", path.dirname(p.errorLog)]);
}

// ---------------------------------------------------------------------------------------
// one server

/**
 * What each copy's empty database is given: the suffix, the service account, and what an
 * admin grants Ferry — read the suffix, the operational attributes it decides by named
 * (389's "*" in targetattr does not cover nsAccountLock), and read the retro changelog.
 */
async function seedDatabase(c: Client): Promise<void> {
  const who = `userdn="ldap:///${DS_SERVICE_DN}"`;
  await c.add(DS_BASE_DN, {
    objectClass: ["top", "domain"],
    dc: DS_BASE_DN.split(",")[0]!.split("=")[1]!,
    aci: [
      `(targetattr="*")(version 3.0; acl "Ferry reads the directory"; allow (read, search, compare) ${who};)`,
      `(targetattr="nsAccountLock || nsUniqueId || entryusn || modifyTimestamp || memberOf")(version 3.0; acl "Ferry reads what it decides by"; allow (read, search, compare) ${who};)`,
    ],
  });
  await c.add(`ou=Services,${DS_BASE_DN}`, { objectClass: ["top", "organizationalUnit"], ou: "Services" });
  await c.add(DS_SERVICE_DN, {
    objectClass: ["top", "person", "organizationalPerson", "inetOrgPerson"],
    uid: "ferry-svc",
    cn: "Ferry",
    sn: "Service",
    userPassword: DS_SERVICE_PASSWORD,
  });
  await c.modify(
    "cn=changelog",
    new Change({
      operation: "add",
      modification: new Attribute({ type: "aci", values: [`(targetattr="*")(version 3.0; acl "Ferry reads the changelog"; allow (read, search, compare) ${who};)`] }),
    }),
  );
}

const SETPRIV = existsSync("/usr/bin/setpriv") ? "/usr/bin/setpriv" : undefined;

function spawnSlapd(p: ReturnType<typeof instancePaths>): ChildProcess {
  // -d 0: stay in the foreground, so the server is our child and dies with us
  const args = ["-D", p.configDir, "-i", p.pidFile, "-d", "0"];
  return SETPRIV
    ? spawn(SETPRIV, ["--pdeathsig", "KILL", "--", "/usr/sbin/ns-slapd", ...args], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn("/usr/sbin/ns-slapd", args, { stdio: ["ignore", "pipe", "pipe"] });
}

function collect(child: ChildProcess): () => string {
  let output = "";
  const keep = (d: Buffer) => (output = (output + d.toString("utf8")).slice(-8000));
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  return () => output;
}

async function bindWhenUp(url: string, child: ChildProcess, output: () => string, timeoutMs: number, dn = DS_ADMIN_DN, password = ADMIN_PASSWORD): Promise<Client> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`ns-slapd exited during start (${child.exitCode ?? child.signalCode}):\n${output()}`);
    const c = new Client({ url, connectTimeout: 1000, timeout: 30_000, strictDN: false });
    try {
      await c.bind(dn, password);
      return c;
    } catch (err) {
      await c.unbind().catch(() => undefined);
      if (Date.now() > deadline) throw new Error(`ns-slapd did not answer within ${timeoutMs} ms: ${(err as Error).message}\n${output()}`);
      await sleep(50);
    }
  }
}

async function stopSlapd(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  const killer = setTimeout(() => child.kill("SIGKILL"), 20_000);
  await exit;
  clearTimeout(killer);
}

const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function track(child: ChildProcess, dir: string): void {
  live.set(child, dir);
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on("exit", () => {
    for (const [c, d] of live) {
      c.kill("SIGKILL");
      rmSync(d, { recursive: true, force: true });
    }
  });
}

export async function startDirsrv(opts: { startTimeoutMs?: number } = {}): Promise<Dirsrv> {
  const template = await dirsrvTemplate();
  const started = Date.now();
  const dir = await mkdtemp(path.join(os.tmpdir(), "ferry-dirsrv-run-"));
  await chmod(dir, 0o755);
  let child: ChildProcess | undefined;
  try {
    await execFileP("cp", ["-a", `${template.dir}/.`, dir]);
    const p = instancePaths(dir);
    const from = readFileSync(path.join(template.dir, "template-path"), "utf8").trim();
    const port = await freePort();
    // NSS's module list names its folder too
    const nss = path.join(p.configDir, "pkcs11.txt");
    if (existsSync(nss)) await writeFile(nss, (await readFile(nss, "utf8")).split(from).join(dir));
    const dseFile = path.join(p.configDir, "dse.ldif");
    // unfolded first: dse.ldif wraps long values (a path) across lines
    const dse = (await readFile(dseFile, "utf8"))
      .replace(/\r?\n /g, "")
      .split(from)
      .join(dir)
      .replace(/^nsslapd-port: \d+$/m, `nsslapd-port: ${port}`)
      .replace(/^nsslapd-listenhost: .*$/m, "")
      .replace(/^(nsslapd-port: \d+)$/m, "$1\nnsslapd-listenhost: 127.0.0.1");
    await writeFile(dseFile, dse);
    child = spawnSlapd(p);
    track(child, dir);
    const output = collect(child);
    const url = `ldap://127.0.0.1:${port}`;
    const first = await bindWhenUp(url, child, output, opts.startTimeoutMs ?? 30_000);
    await seedDatabase(first);
    const startMs = Date.now() - started;

    let adminClient: Client | undefined = first;
    const admin = async () => {
      if (adminClient?.isConnected) return adminClient;
      adminClient = new Client({ url, timeout: 30_000, connectTimeout: 5_000, strictDN: false });
      await adminClient.bind(DS_ADMIN_DN, ADMIN_PASSWORD);
      return adminClient;
    };
    let running = child;
    let stopped: Promise<void> | undefined;
    const modify = async (dn: string, operation: "add" | "delete" | "replace", type: string, values: string[]) =>
      (await admin()).modify(dn, new Change({ operation, modification: new Attribute({ type, values }) }));
    const rootDse = async (attributes: string[]): Promise<Record<string, unknown>> =>
      (await (await admin()).search("", { scope: "base", filter: "(objectClass=*)", attributes })).searchEntries[0] ?? {};

    const handle: Dirsrv = {
      url,
      port,
      baseDn: DS_BASE_DN,
      adminDn: DS_ADMIN_DN,
      adminPassword: ADMIN_PASSWORD,
      serviceDn: DS_SERVICE_DN,
      servicePassword: DS_SERVICE_PASSWORD,
      timings: { createMs: template.createMs, startMs },
      dir,
      admin,
      async addOu(name, parentDn = DS_BASE_DN) {
        const dn = `ou=${name},${parentDn}`;
        await (await admin()).add(dn, { objectClass: ["top", "organizationalUnit"], ou: name });
        return dn;
      },
      async addUser(u) {
        const dn = `uid=${u.uid},${u.ouDn}`;
        const attrs: Record<string, string | string[]> = {
          objectClass: ["top", "person", "organizationalPerson", "inetOrgPerson"],
          uid: u.uid,
          cn: u.cn ?? `${u.givenName ?? u.uid} ${u.sn ?? "Tester"}`,
          sn: u.sn ?? "Tester",
        };
        if (u.givenName) attrs.givenName = u.givenName;
        if (u.mail) attrs.mail = u.mail;
        Object.assign(attrs, u.extra ?? {});
        await (await admin()).add(dn, attrs);
        return dn;
      },
      async addGroup(cn, ouDn, memberDns = []) {
        const dn = `cn=${cn},${ouDn}`;
        const attrs: Record<string, string | string[]> = { objectClass: ["top", "groupOfNames"], cn };
        if (memberDns.length) attrs.member = memberDns;
        await (await admin()).add(dn, attrs);
        return dn;
      },
      addMembers: (groupDn, memberDns) => modify(groupDn, "add", "member", memberDns),
      removeMembers: (groupDn, memberDns) => modify(groupDn, "delete", "member", memberDns),
      async replace(dn, attrs) {
        const changes = Object.entries(attrs).map(
          ([type, v]) => new Change({ operation: "replace", modification: new Attribute({ type, values: Array.isArray(v) ? v : [v] }) }),
        );
        await (await admin()).modify(dn, changes);
      },
      async rename(dn, newDn) {
        await (await admin()).modifyDN(dn, newDn);
      },
      async remove(dn) {
        await (await admin()).del(dn);
      },
      async uniqueIdOf(dn) {
        const { searchEntries } = await (await admin()).search(dn, { scope: "base", attributes: ["nsUniqueId"] });
        const v = searchEntries[0]?.nsUniqueId ?? searchEntries[0]?.nsuniqueid;
        if (typeof v !== "string") throw new Error(`no nsUniqueId for ${dn}`);
        return v.toLowerCase();
      },
      async changelogRange() {
        const e = await rootDse(["firstchangenumber", "lastchangenumber"]);
        return { first: Number(e.firstchangenumber ?? 0), last: Number(e.lastchangenumber ?? 0) };
      },
      async trimChangelog(upTo) {
        const { first } = await handle.changelogRange();
        for (let n = Math.max(first, 1); n <= upTo; n++) {
          await (await admin()).del(`changenumber=${n},cn=changelog`).catch((err: unknown) => {
            if (!(err instanceof NoSuchObjectError)) throw err;
          });
        }
      },
      async restart() {
        const t = Date.now();
        await adminClient?.unbind().catch(() => undefined);
        adminClient = undefined;
        await stopSlapd(running, "SIGTERM");
        live.delete(running);
        const next = spawnSlapd(p);
        track(next, dir);
        running = next;
        adminClient = await bindWhenUp(url, next, collect(next), opts.startTimeoutMs ?? 30_000);
        return Date.now() - t;
      },
      stop() {
        stopped ??= (async () => {
          await adminClient?.unbind().catch(() => undefined);
          // a copy is thrown away: no need to wait for BDB's clean shutdown (~3 s)
          await stopSlapd(running, "SIGKILL");
          live.delete(running);
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
    return handle;
  } catch (err) {
    child?.kill("SIGKILL");
    if (child) live.delete(child);
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}
