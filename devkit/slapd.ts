/**
 * A real OpenLDAP slapd for Ferry's integration tests, the demo and the benchmark.
 *
 * Each startSlapd() gets its own temp dir (config, TLS material, mdb data), loads the base
 * tree (plus any extra LDIF) offline with `slapadd -q`, then runs slapd in the foreground as
 * a child on two random loopback ports: ldap:// (StartTLS offered) and ldaps://.
 *
 * Needs Debian/Ubuntu's `slapd` package (binaries in /usr/sbin, modules in /usr/lib/ldap,
 * schemas in /etc/ldap/schema) and `openssl`. FERRY_SLAPD_BIN_DIR, FERRY_SLAPD_MODULE_DIR and
 * FERRY_SLAPD_SCHEMA_DIR override those paths for other layouts.
 */
import { spawn, execFile, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, rmSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import {
  Attribute,
  Change,
  Client,
  EqualityFilter,
  ObjectClassViolationError,
  OrFilter,
} from "ldapts";
import { freePort } from "./ports.ts";

const execFileP = promisify(execFile);

export interface Slapd {
  url: string;
  ldapsUrl: string;
  caFile: string;
  baseDn: string;
  peopleDn: string;
  groupsDn: string;
  /** ou=system: holds the reader account; not part of the people/groups trees. */
  systemDn: string;
  adminDn: string;
  adminPassword: string;
  readerDn: string;
  readerPassword: string;
  /** binds, reads the groups, but has no read rights on ou=people (the reader's password) */
  blindDn: string;
  /**
   * The placeholder member of an "empty" groupOfNames (whose schema needs >= 1 member).
   * It names no entry and lies outside peopleDn, so a sync that resolves members inside
   * peopleDn sees the group as empty. addGroup/addMembers/removeMembers and slapo-refint
   * (refint_nothing) maintain it; never hand it to addMembers yourself.
   */
  emptyMemberDn: string;
  /** The temp dir holding slapd.conf, tls/ and data/; removed by stop(). */
  dir: string;
  addUser(u: {
    uid: string;
    givenName: string;
    sn: string;
    mail?: string;
    cn?: string;
    employeeType?: string;
    extra?: Record<string, string | string[]>;
  }): Promise<string>;
  /** Replaces each attribute's values; null removes the attribute (no error if absent). */
  modify(dn: string, changes: Record<string, string | string[] | null>): Promise<void>;
  addGroup(cn: string, memberDns: string[]): Promise<string>;
  addMembers(groupDn: string, memberDns: string[]): Promise<void>;
  removeMembers(groupDn: string, memberDns: string[]): Promise<void>;
  /** modrdn within the same parent; resolves once slapo-refint has rewritten references. */
  rename(dn: string, newRdn: string): Promise<string>;
  /** Deletes a leaf entry; resolves once slapo-refint has removed references to it. */
  remove(dn: string): Promise<void>;
  entryUUID(dn: string): Promise<string>;
  /**
   * Stops slapd (SIGTERM, as a service stop does: open connections are cut) and starts it
   * again on the same ports and data; resolves once it accepts a bind. `downMs` keeps it
   * down that long first.
   */
  restart(downMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface StartSlapdOptions {
  /**
   * Size limit (entries per search) for the reader account. Unset: unlimited.
   * By OpenLDAP's default a paged search by the reader is capped at the same total;
   * see readerPagedTotal.
   */
  readerSizeLimit?: number;
  /**
   * Total entries a *paged* search by the reader may return (slapd `size.prtotal`).
   * Unset: OpenLDAP's default, the reader's hard size limit. "unlimited" models AD's
   * MaxPageSize: unpaged searches are truncated, paged ones see everything.
   */
  readerPagedTotal?: number | "unlimited";
  /** Extra LDIF loaded with slapadd after the base tree, before slapd starts. */
  ldif?: string | Iterable<string> | AsyncIterable<string>;
  /** Same as ldif, from a file (e.g. one written by writeDirectoryLdif). */
  ldifFile?: string;
  baseDn?: string;
  adminPassword?: string;
  readerPassword?: string;
  /**
   * How many deletions slapo-syncprov remembers for content synchronisation (RFC 4533);
   * default 1000. A refresh from a cookie older than that falls back to the present
   * phase (every unchanged entry's UUID is sent).
   */
  syncprovSessionlog?: number;
  /** Load slapo-syncprov (default true); false models a directory without content synchronisation. */
  syncprov?: boolean;
  /**
   * Who writes memberOf. "overlay" (default): slapo-memberof stores it on each user, for
   * direct membership only. "dynlist-nested": slapo-dynlist computes it when read or
   * filtered on, through nested groups too (`member+memberOf@groupOfNames*`): a nested
   * group's membership change then changes no user entry.
   */
  memberOf?: "overlay" | "dynlist-nested";
  /** How long to wait for slapd to accept a bind (ms). */
  startTimeoutMs?: number;
}

const TEMPLATE_PATH = fileURLToPath(new URL("./slapd.conf.template", import.meta.url));
const BIN_DIR = process.env.FERRY_SLAPD_BIN_DIR ?? (existsSync("/usr/sbin/slapd") ? "/usr/sbin" : "");
const MODULE_DIR = process.env.FERRY_SLAPD_MODULE_DIR ?? "/usr/lib/ldap";
const SCHEMA_DIR = process.env.FERRY_SLAPD_SCHEMA_DIR ?? "/etc/ldap/schema";
const SETPRIV = existsSync("/usr/bin/setpriv") ? "/usr/bin/setpriv" : undefined;

const bin = (name: string): string => (BIN_DIR ? path.join(BIN_DIR, name) : name);

// Children still running when Node exits (normally or via process.exit) are killed here;
// a Node killed by a signal is covered by setpriv's parent-death signal instead.
const live = new Map<ChildProcess, string>();
let exitHookInstalled = false;
function trackChild(child: ChildProcess, dir: string): void {
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

/** RFC 4514 escaping of one RDN value. */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\\,+"<>;=]/g, (c) => `\\${c}`).replace(/\0/g, "\\00");
  if (out.startsWith(" ") || out.startsWith("#")) out = `\\${out}`;
  if (out.endsWith(" ") && out.length > 1) out = `${out.slice(0, -1)}\\ `;
  return out;
}

function splitFirstRdn(dn: string): { rdn: string; parent: string } {
  for (let i = 0; i < dn.length; i++) {
    if (dn[i] === "\\") i++;
    else if (dn[i] === ",") return { rdn: dn.slice(0, i), parent: dn.slice(i + 1).trim() };
  }
  return { rdn: dn, parent: "" };
}

/** Salted SHA-1, the scheme every slapd build verifies without extra modules. */
function ssha(password: string): string {
  const salt = randomBytes(8);
  const digest = createHash("sha1").update(password).update(salt).digest();
  return `{SSHA}${Buffer.concat([digest, salt]).toString("base64")}`;
}

/** LDIF value line, base64 when the value is not a SAFE-STRING (RFC 2849). */
function ldifLine(attr: string, value: string): string {
  // eslint-disable-next-line no-control-regex
  const safe = /^(?:[\x01-\x09\x0b\x0c\x0e-\x1f\x21-\x39\x3b\x3d-\x7f][\x01-\x09\x0b\x0c\x0e-\x7f]*)?$/;
  if (safe.test(value) && !value.endsWith(" ")) return `${attr}: ${value}\n`;
  return `${attr}:: ${Buffer.from(value, "utf8").toString("base64")}\n`;
}

function baseEntryLdif(baseDn: string): string {
  const { rdn } = splitFirstRdn(baseDn);
  const eq = rdn.indexOf("=");
  const type = rdn.slice(0, eq).trim().toLowerCase();
  const value = rdn.slice(eq + 1).trim();
  if (type === "dc")
    return `dn: ${baseDn}\nobjectClass: top\nobjectClass: dcObject\nobjectClass: organization\ndc: ${value}\no: ${value}\n\n`;
  if (type === "o") return `dn: ${baseDn}\nobjectClass: top\nobjectClass: organization\no: ${value}\n\n`;
  if (type === "ou") return `dn: ${baseDn}\nobjectClass: top\nobjectClass: organizationalUnit\nou: ${value}\n\n`;
  throw new Error(`startSlapd: unsupported base DN ${baseDn} (use dc=, o= or ou=)`);
}

function baseTreeLdif(baseDn: string, readerPassword: string): string {
  let out = baseEntryLdif(baseDn);
  for (const ou of ["people", "groups", "system"])
    out += `dn: ou=${ou},${baseDn}\nobjectClass: top\nobjectClass: organizationalUnit\nou: ${ou}\n\n`;
  out +=
    `dn: cn=reader,ou=system,${baseDn}\nobjectClass: top\nobjectClass: organizationalRole\n` +
    `objectClass: simpleSecurityObject\ncn: reader\ndescription: read-only service account for Ferry\n` +
    ldifLine("userPassword", ssha(readerPassword)) +
    "\n";
  out +=
    `dn: cn=blind,ou=system,${baseDn}\nobjectClass: top\nobjectClass: organizationalRole\n` +
    `objectClass: simpleSecurityObject\ncn: blind\ndescription: a service account that lost its read rights on people\n` +
    ldifLine("userPassword", ssha(readerPassword)) +
    "\n";
  return out;
}

async function makeTls(tlsDir: string): Promise<void> {
  // EC keys: generating both takes ~15 ms, against ~100+ ms for RSA.
  const ca = path.join(tlsDir, "ca.pem");
  const caKey = path.join(tlsDir, "ca.key");
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "7"];
  await execFileP("openssl", [
    "req", "-x509", ...ec, "-keyout", caKey, "-out", ca, "-subj", "/CN=Ferry test CA",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  // OpenSSL 3's `req -x509 -CA` signs with the CA in one step (no CSR file).
  await execFileP("openssl", [
    "req", "-x509", "-CA", ca, "-CAkey", caKey, ...ec,
    "-keyout", path.join(tlsDir, "server.key"), "-out", path.join(tlsDir, "server.pem"),
    "-subj", "/CN=localhost",
    "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1",
    "-addext", "basicConstraints=critical,CA:FALSE",
    "-addext", "keyUsage=critical,digitalSignature,keyEncipherment",
    "-addext", "extendedKeyUsage=serverAuth",
  ]);
}

function readerLimitsLine(readerDn: string, size?: number, pagedTotal?: number | "unlimited"): string {
  if (size === undefined && pagedTotal === undefined) return "";
  const parts: string[] = [];
  if (size !== undefined) parts.push(`size.soft=${size}`, `size.hard=${size}`);
  if (pagedTotal !== undefined) parts.push(`size.prtotal=${pagedTotal}`);
  return `limits dn.exact="${readerDn}" ${parts.join(" ")}`;
}

function memberOfConfig(kind: "overlay" | "dynlist-nested"): string {
  if (kind === "dynlist-nested") {
    return [
      "# memberOf is computed by slapo-dynlist when an entry is read or a filter asks for it,",
      "# following nested groupOfNames (the trailing *). Stored nowhere: a nested group's change",
      "# touches no user entry. (slapo-memberof stays loaded for the memberOf attribute type.)",
      "overlay dynlist",
      "dynlist-attrset groupOfURLs memberURL member+memberOf@groupOfNames*",
    ].join("\n");
  }
  return [
    "# memberOf on users is maintained from groupOfNames/member. memberof-refint stays off:",
    "# slapo-refint below owns the member cleanup, and running both fights over the same values.",
    "overlay memberof",
    "memberof-group-oc groupOfNames",
    "memberof-member-ad member",
    "memberof-memberof-ad memberOf",
    "memberof-dangling ignore",
  ].join("\n");
}

function renderConfig(template: string, vars: Record<string, string>): string {
  let out = template;
  for (const [k, v] of Object.entries(vars)) out = out.replaceAll(`{{${k}}}`, v);
  const left = out.match(/\{\{[A-Z_]+\}\}/);
  if (left) throw new Error(`slapd.conf.template: unfilled placeholder ${left[0]}`);
  return out;
}

async function* ldifSource(base: string, opts: StartSlapdOptions): AsyncGenerator<string> {
  yield base;
  if (opts.ldif !== undefined) {
    if (typeof opts.ldif === "string") yield `${opts.ldif}\n`;
    else for await (const chunk of opts.ldif) yield chunk;
    yield "\n";
  }
  if (opts.ldifFile !== undefined) {
    for await (const chunk of createReadStream(opts.ldifFile, { encoding: "utf8" })) yield chunk as string;
    yield "\n";
  }
}

async function slapadd(conf: string, source: AsyncIterable<string>): Promise<void> {
  // -q: no consistency checks and batched index writes; safe for a fresh database.
  const child = spawn(bin("slapadd"), ["-q", "-f", conf], { stdio: ["pipe", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.setEncoding("utf8").on("data", (d: string) => {
    stderr = (stderr + d).slice(-8000);
  });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", (code) => resolve(code));
  });
  const fed = pipeline(Readable.from(source), child.stdin).catch((err: unknown) => err);
  const [code, feedErr] = await Promise.all([exited, fed]);
  if (code !== 0) throw new Error(`slapadd failed (exit ${code}):\n${stderr}`);
  if (feedErr) throw feedErr;
}

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  stderr: () => string;
}

function spawnSlapd(conf: string, dir: string, port: number, ldapsPort: number): Running {
  const args = [
    "-f", conf,
    "-h", `ldap://127.0.0.1:${port}/ ldaps://127.0.0.1:${ldapsPort}/`,
    // In the foreground; "none" still prints fatal errors and "slapd starting".
    "-d", "none",
  ];
  const child = SETPRIV
    ? spawn(SETPRIV, ["--pdeathsig", "KILL", "--", bin("slapd"), ...args], { stdio: ["ignore", "ignore", "pipe"] })
    : spawn(bin("slapd"), args, { stdio: ["ignore", "ignore", "pipe"] });
  trackChild(child, dir);
  let stderr = "";
  child.stderr?.setEncoding("utf8").on("data", (d: string) => {
    stderr = (stderr + d).slice(-8000);
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", () => {
      live.delete(child);
      resolve();
    });
    child.once("error", () => {
      live.delete(child);
      resolve();
    });
  });
  return { child, exited, stderr: () => stderr };
}

async function waitReady(run: Running, url: string, dn: string, pw: string, timeoutMs: number): Promise<void> {
  const started = Date.now();
  const deadline = started + timeoutMs;
  let dead = false;
  void run.exited.then(() => (dead = true));
  let lastErr: unknown;
  while (Date.now() < deadline) {
    if (dead) throw new Error(`slapd exited during startup:\n${run.stderr()}`);
    // "slapd starting" marks the listener loop; polling binds is the fallback should a
    // build log it differently.
    if (run.stderr().includes("slapd starting") || Date.now() - started > 500) {
      const c = new Client({ url, connectTimeout: 2000, timeout: 5000 });
      try {
        await c.bind(dn, pw);
        return;
      } catch (err) {
        lastErr = err;
      } finally {
        await c.unbind().catch(() => undefined);
      }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`slapd did not accept a bind within ${timeoutMs} ms (${String(lastErr)}):\n${run.stderr()}`);
}

export async function startSlapd(opts: StartSlapdOptions = {}): Promise<Slapd> {
  const baseDn = opts.baseDn ?? "dc=example,dc=com";
  const adminDn = `cn=admin,${baseDn}`;
  const adminPassword = opts.adminPassword ?? "ferry-admin-secret";
  const readerDn = `cn=reader,ou=system,${baseDn}`;
  const readerPassword = opts.readerPassword ?? "ferry-reader-secret";
  const peopleDn = `ou=people,${baseDn}`;
  const groupsDn = `ou=groups,${baseDn}`;
  const systemDn = `ou=system,${baseDn}`;
  const emptyMemberDn = `cn=nobody,${systemDn}`;

  const dir = await mkdtemp(path.join(os.tmpdir(), "ferry-slapd-"));
  let running: Running | undefined;
  try {
    await mkdir(path.join(dir, "data"));
    await mkdir(path.join(dir, "tls"));
    const [template] = await Promise.all([readFile(TEMPLATE_PATH, "utf8"), makeTls(path.join(dir, "tls"))]);
    const conf = path.join(dir, "slapd.conf");
    await writeFile(
      conf,
      renderConfig(template, {
        DIR: dir,
        MODULE_DIR,
        SCHEMA_DIR,
        BASE_DN: baseDn,
        // slapd.conf splits on whitespace; a quoted rootpw keeps odd passwords intact.
        ADMIN_PASSWORD: `"${adminPassword.replace(/(["\\])/g, "\\$1")}"`,
        TOOL_THREADS: String(Math.max(1, Math.min(4, os.availableParallelism()))),
        EMPTY_MEMBER_DN: emptyMemberDn,
        MEMBEROF: memberOfConfig(opts.memberOf ?? "overlay"),
        SYNCPROV_SESSIONLOG: String(opts.syncprovSessionlog ?? 1000),
        SYNCPROV_OFF: opts.syncprov === false ? "# " : "",
        READER_LIMITS: readerLimitsLine(readerDn, opts.readerSizeLimit, opts.readerPagedTotal),
      }),
    );
    await slapadd(conf, ldifSource(baseTreeLdif(baseDn, readerPassword), opts));

    // freePort() can race with another process grabbing the port; retry on a bind failure.
    let url = "";
    let ldapsUrl = "";
    for (let attempt = 1; ; attempt++) {
      const port = await freePort();
      let ldapsPort = await freePort();
      while (ldapsPort === port) ldapsPort = await freePort();
      url = `ldap://127.0.0.1:${port}`;
      ldapsUrl = `ldaps://127.0.0.1:${ldapsPort}`;
      running = spawnSlapd(conf, dir, port, ldapsPort);
      try {
        await waitReady(running, url, adminDn, adminPassword, opts.startTimeoutMs ?? 15_000);
        break;
      } catch (err) {
        const inUse = running.stderr().includes("Address already in use");
        running.child.kill("SIGKILL");
        await running.exited;
        running = undefined;
        if (!inUse || attempt >= 5) throw err;
      }
    }
    return makeHandle({
      running: running,
      startTimeoutMs: opts.startTimeoutMs ?? 15_000,
      dir, url, ldapsUrl, caFile: path.join(dir, "tls", "ca.pem"),
      baseDn, peopleDn, groupsDn, systemDn, adminDn, adminPassword, readerDn, readerPassword, emptyMemberDn,
      blindDn: `cn=blind,${systemDn}`,
    });
  } catch (err) {
    if (running) {
      running.child.kill("SIGKILL");
      await running.exited;
    }
    await rm(dir, { recursive: true, force: true });
    throw err;
  }
}

type HandleInfo = Omit<
  Slapd,
  "addUser" | "modify" | "addGroup" | "addMembers" | "removeMembers" | "rename" | "remove" | "entryUUID" | "restart" | "stop"
> & { running: Running; startTimeoutMs: number };

function makeHandle(info: HandleInfo): Slapd {
  const { running: first, startTimeoutMs, ...pub } = info;
  let running = first;
  let admin: Promise<Client> | undefined;
  let stopped: Promise<void> | undefined;

  const client = (): Promise<Client> => {
    if (stopped) return Promise.reject(new Error("slapd harness already stopped"));
    admin ??= (async () => {
      const c = new Client({ url: pub.url, timeout: 30_000, connectTimeout: 5_000 });
      await c.bind(pub.adminDn, pub.adminPassword);
      return c;
    })().catch((err: unknown) => {
      admin = undefined;
      throw err;
    });
    return admin;
  };

  // slapo-refint rewrites references in a background thread after the response, so a
  // test reading groups right after remove()/rename() could still see the old DN.
  const waitForNoReferences = async (dn: string): Promise<void> => {
    const c = await client();
    const filter = new OrFilter({
      filters: ["member", "manager", "owner", "seeAlso"].map((attribute) => new EqualityFilter({ attribute, value: dn })),
    });
    const deadline = Date.now() + 10_000;
    for (;;) {
      const { searchEntries } = await c.search(pub.baseDn, { scope: "sub", filter, attributes: ["1.1"] });
      if (searchEntries.length === 0) return;
      if (Date.now() > deadline) throw new Error(`slapo-refint did not clean up references to ${dn}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };

  const handle: Slapd = {
    ...pub,

    async addUser(u) {
      const dn = `uid=${escapeDnValue(u.uid)},${pub.peopleDn}`;
      const attrs: Record<string, string | string[]> = {
        objectClass: ["top", "person", "organizationalPerson", "inetOrgPerson"],
        uid: u.uid,
        givenName: u.givenName,
        sn: u.sn,
        cn: u.cn ?? `${u.givenName} ${u.sn}`,
      };
      if (u.mail !== undefined) attrs.mail = u.mail;
      if (u.employeeType !== undefined) attrs.employeeType = u.employeeType;
      Object.assign(attrs, u.extra ?? {});
      await (await client()).add(dn, attrs);
      return dn;
    },

    async modify(dn, changes) {
      const mods = Object.entries(changes).map(
        ([type, v]) =>
          new Change({
            // replace with no values deletes the attribute and, unlike delete, is not an
            // error when the attribute is already absent.
            operation: "replace",
            modification: new Attribute({ type, values: v === null ? [] : Array.isArray(v) ? v : [v] }),
          }),
      );
      if (mods.length) await (await client()).modify(dn, mods);
    },

    async addGroup(cn, memberDns) {
      const dn = `cn=${escapeDnValue(cn)},${pub.groupsDn}`;
      await (await client()).add(dn, {
        objectClass: ["top", "groupOfNames"],
        cn,
        member: memberDns.length ? memberDns : [pub.emptyMemberDn],
      });
      return dn;
    },

    async addMembers(groupDn, memberDns) {
      if (!memberDns.length) return;
      const c = await client();
      const mods = [new Change({ operation: "add", modification: new Attribute({ type: "member", values: memberDns }) })];
      if (await c.compare(groupDn, "member", pub.emptyMemberDn))
        mods.push(new Change({ operation: "delete", modification: new Attribute({ type: "member", values: [pub.emptyMemberDn] }) }));
      await c.modify(groupDn, mods);
    },

    async removeMembers(groupDn, memberDns) {
      if (!memberDns.length) return;
      const c = await client();
      const del = new Change({ operation: "delete", modification: new Attribute({ type: "member", values: memberDns }) });
      try {
        await c.modify(groupDn, del);
      } catch (err) {
        // Removing the last member violates groupOfNames' MUST member: swap in the placeholder.
        if (!(err instanceof ObjectClassViolationError)) throw err;
        await c.modify(groupDn, [
          new Change({ operation: "add", modification: new Attribute({ type: "member", values: [pub.emptyMemberDn] }) }),
          del,
        ]);
      }
    },

    async rename(dn, newRdn) {
      const { parent } = splitFirstRdn(dn);
      // ldapts treats a newDN containing an unescaped comma as rdn + newSuperior.
      await (await client()).modifyDN(dn, newRdn);
      await waitForNoReferences(dn);
      return parent ? `${newRdn},${parent}` : newRdn;
    },

    async remove(dn) {
      await (await client()).del(dn);
      await waitForNoReferences(dn);
    },

    async entryUUID(dn) {
      const { searchEntries } = await (await client()).search(dn, { scope: "base", attributes: ["entryUUID"] });
      const v = searchEntries[0]?.entryUUID;
      const s = Array.isArray(v) ? v[0] : v;
      if (s === undefined) throw new Error(`no entryUUID on ${dn}`);
      return s.toString();
    },

    async restart(downMs = 0) {
      if (stopped) throw new Error("slapd harness already stopped");
      const c = admin;
      admin = undefined;
      if (c) await c.then((cl) => cl.unbind()).catch(() => undefined);
      running.child.kill("SIGTERM");
      await running.exited;
      if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
      const port = Number(new URL(pub.url).port);
      const ldapsPort = Number(new URL(pub.ldapsUrl).port);
      running = spawnSlapd(path.join(pub.dir, "slapd.conf"), pub.dir, port, ldapsPort);
      await waitReady(running, pub.url, pub.adminDn, pub.adminPassword, startTimeoutMs);
    },

    stop() {
      stopped ??= (async () => {
        const c = admin;
        admin = undefined;
        if (c) await c.then((cl) => cl.unbind()).catch(() => undefined);
        running.child.kill("SIGTERM");
        const timer = setTimeout(() => running.child.kill("SIGKILL"), 3_000);
        await running.exited;
        clearTimeout(timer);
        live.delete(running.child);
        await rm(pub.dir, { recursive: true, force: true });
      })();
      return stopped;
    },
  };
  return handle;
}

// ---------------------------------------------------------------------------------------
// Bulk directories for slapadd (benchmark, demo, large tests)

export interface DirectoryLdifOptions {
  users: number;
  groups: number;
  membersPerGroup: number;
  baseDn?: string;
  /**
   * Write memberOf on each user (default true). slapadd bypasses slapo-memberof, so
   * without this a bulk-loaded directory has no memberOf until groups are modified online.
   */
  memberOf?: boolean;
  /** Add the all-users group cn=provisioned (default true). */
  provisionedGroup?: boolean;
  /**
   * createTimestamp/modifyTimestamp of user i is this time + i seconds (slapadd keeps
   * supplied ones). Default: the load time for everyone. A date in the past models a
   * directory whose people were edited over time, not all in the last few minutes.
   */
  modifiedFrom?: Date;
}

const FIRST = [
  "Ada", "Alan", "Barbara", "Claude", "Dennis", "Donald", "Edsger", "Frances", "Grace", "Hedy",
  "Ivan", "John", "Ken", "Leslie", "Margaret", "Niklaus", "Radia", "Shafi", "Tim", "Whitfield",
  "Yukihiro", "Zoë", "Renée", "José", "Øystein", "Anaïs", "Björn", "Chloé", "Dolores", "Émile",
];
const LAST = [
  "Lovelace", "Turing", "Liskov", "Shannon", "Ritchie", "Knuth", "Dijkstra", "Allen", "Hopper", "Lamarr",
  "Sutherland", "McCarthy", "Thompson", "Lamport", "Hamilton", "Wirth", "Perlman", "Goldwasser", "Berners-Lee",
  "Diffie", "Matsumoto", "O'Neil", "Müller", "García", "Ångström", "Nguyen", "Kowalski", "Smith", "Okafor", "Tanaka",
];
const EMPLOYEE_TYPES = ["employee", "employee", "employee", "employee", "employee", "employee", "employee", "contractor", "contractor", "intern"];

/** Deterministic names shared by generateDirectoryLdif and anything that predicts them. */
export function directoryNames(opts: { users: number; groups: number; baseDn?: string }) {
  const baseDn = opts.baseDn ?? "dc=example,dc=com";
  const uw = Math.max(6, String(opts.users).length);
  const gw = Math.max(4, String(opts.groups).length);
  return {
    uid: (i: number) => `user${String(i + 1).padStart(uw, "0")}`,
    userDn: (i: number) => `uid=user${String(i + 1).padStart(uw, "0")},ou=people,${baseDn}`,
    groupCn: (g: number) => `group${String(g + 1).padStart(gw, "0")}`,
    groupDn: (g: number) => `cn=group${String(g + 1).padStart(gw, "0")},ou=groups,${baseDn}`,
    provisionedGroupDn: `cn=provisioned,ou=groups,${baseDn}`,
  };
}

/**
 * Users and groups (not the base tree, which startSlapd always adds) as LDIF chunks.
 * Users are 0-based index i: uid user000001.. (1-based in the name). Group g's members are
 * users (g*membersPerGroup + k) mod users, k < membersPerGroup, so with groups*membersPerGroup
 * <= users every user is in at most one numbered group. Memory stays bounded: users are
 * streamed, each group entry is built on its own (cn=provisioned is the largest, ~60 bytes
 * per user).
 */
export async function* generateDirectoryLdif(opts: DirectoryLdifOptions): AsyncGenerator<string> {
  const baseDn = opts.baseDn ?? "dc=example,dc=com";
  const U = Math.max(0, Math.floor(opts.users));
  const G = Math.max(0, Math.floor(opts.groups));
  const M = Math.min(Math.max(0, Math.floor(opts.membersPerGroup)), U);
  const withMemberOf = opts.memberOf ?? true;
  const withProvisioned = opts.provisionedGroup ?? true;
  const names = directoryNames({ users: U, groups: G, baseDn });
  const emptyMember = `cn=nobody,ou=system,${baseDn}`;
  const domain = baseDn
    .split(",")
    .map((r) => r.trim())
    .filter((r) => /^dc=/i.test(r))
    .map((r) => r.slice(3))
    .join(".") || "example.com";

  let buf = "";
  const FLUSH = 256 * 1024;
  const from = opts.modifiedFrom?.getTime();
  const stampsOf = (i: number): string => {
    if (from === undefined) return "";
    const gt = new Date(from + i * 1000).toISOString().slice(0, 19).replace(/[-T:]/g, "") + "Z";
    return `createTimestamp: ${gt}\nmodifyTimestamp: ${gt}\n`;
  };

  for (let i = 0; i < U; i++) {
    const given = FIRST[i % FIRST.length] as string;
    const sn = LAST[Math.floor(i / FIRST.length) % LAST.length] as string;
    const uid = names.uid(i);
    let e =
      `dn: ${names.userDn(i)}\nobjectClass: top\nobjectClass: person\nobjectClass: organizationalPerson\n` +
      `objectClass: inetOrgPerson\nuid: ${uid}\n` +
      ldifLine("givenName", given) +
      ldifLine("sn", sn) +
      ldifLine("cn", `${given} ${sn}`) +
      `mail: ${uid}@${domain}\nemployeeType: ${EMPLOYEE_TYPES[i % EMPLOYEE_TYPES.length]}\nemployeeNumber: ${i + 1}\n` +
      stampsOf(i);
    if (withMemberOf) {
      // User i sits at positions i, i+U, i+2U, ... of the concatenated group member lists.
      let last = -1;
      for (let p = i; M > 0 && p < G * M; p += U) {
        const g = Math.floor(p / M);
        if (g !== last) e += `memberOf: ${names.groupDn(g)}\n`;
        last = g;
      }
      if (withProvisioned) e += `memberOf: ${names.provisionedGroupDn}\n`;
    }
    buf += `${e}\n`;
    if (buf.length >= FLUSH) {
      yield buf;
      buf = "";
    }
  }

  for (let g = 0; g < G; g++) {
    let e = `dn: ${names.groupDn(g)}\nobjectClass: top\nobjectClass: groupOfNames\ncn: ${names.groupCn(g)}\n`;
    if (M === 0) e += `member: ${emptyMember}\n`;
    for (let k = 0; k < M; k++) e += `member: ${names.userDn((g * M + k) % U)}\n`;
    buf += `${e}\n`;
    if (buf.length >= FLUSH) {
      yield buf;
      buf = "";
    }
  }

  if (withProvisioned) {
    buf += `dn: ${names.provisionedGroupDn}\nobjectClass: top\nobjectClass: groupOfNames\ncn: provisioned\n`;
    if (U === 0) buf += `member: ${emptyMember}\n`;
    for (let i = 0; i < U; i++) {
      buf += `member: ${names.userDn(i)}\n`;
      if (buf.length >= FLUSH) {
        yield buf;
        buf = "";
      }
    }
    buf += "\n";
  }
  if (buf) yield buf;
}

/** Streams generateDirectoryLdif to a file, for startSlapd({ ldifFile }). */
export async function writeDirectoryLdif(file: string, opts: DirectoryLdifOptions): Promise<void> {
  await pipeline(Readable.from(generateDirectoryLdif(opts)), createWriteStream(file));
}

/**
 * The channel source for a directory made by generateDirectoryLdif: the people in the
 * all-users group cn=provisioned, and every other group provisioned as a SCIM group.
 */
export function generatedDirectorySource(slapd: Slapd, names: ReturnType<typeof directoryNames>) {
  return {
    url: slapd.url,
    bindDn: slapd.adminDn,
    bindPassword: slapd.adminPassword,
    baseDn: slapd.peopleDn,
    groupDn: names.provisionedGroupDn,
    groupBaseDn: slapd.groupsDn,
    groupFilter: "(&(objectClass=groupOfNames)(!(cn=provisioned)))",
  };
}
