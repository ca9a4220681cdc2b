// Directory values reach provmgr's terminal: a value that carries escape sequences
// (ESC[2J clears the screen, OSC 8 makes links, a C1 CSI does what ESC[ does) must be
// shown, not obeyed, in every output (text, tables, JSON, errors, the log file), while
// ordinary UTF-8 text stays as it is. The real provmgr process, a store filled by a real
// cycle from slapd.
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { parsed, provmgr, tempLogConfig } from "./provmgr.helpers.ts";

const CLEAR = "\u001b[2J\u001b[H";
const C1_CSI = "\u009b31m";
const TITLE = `Chef ${CLEAR}de cuisine${C1_CSI} \u0007\u007f Müller 東京`;
/** every C0 control but the line feed, DEL, every C1 control */
const RAW_CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f]/;

let w: TWorld;
let c: string;

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    configure: (cfg) => {
      cfg.name = `bad${CLEAR}name`;
      cfg.mapping = { userName: "uid", "name.givenName": "givenName", "name.familyName": "sn", "emails.work": "mail", title: "title" };
    },
  });
  c = String(w.channelId);
  const dn = await w.slapd.addUser({ uid: "mallory", givenName: "Mallory", sn: `Tester${C1_CSI}`, mail: "mallory@example.com", extra: { title: TITLE } });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
  await w.cycle();
});
afterAll(async () => {
  await w?.stop();
});

describe("provmgr shows control characters from the directory, never sends them to the terminal", () => {
  it("in --show-user text, escaped visibly, UTF-8 kept", async () => {
    const r = await provmgr(["-c", c, "--show-user", "-u", "mallory"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    expect(r.stdout).toMatch(/^  title\s+Chef \\u001b\[2J\\u001b\[Hde cuisine\\u009b31m \\u0007\\u007f Müller 東京$/m);
  });

  it("in --show-channels and --show-dirty-records tables", async () => {
    const channels = await provmgr(["--show-channels"]);
    expect(channels.code, channels.stderr).toBe(0);
    expect(channels.stdout).not.toMatch(RAW_CONTROL);
    expect(channels.stdout).toContain("bad\\u001b[2J\\u001b[Hname");
    const dirty = await provmgr(["-c", c, "--show-dirty-records"]);
    expect(dirty.stdout).not.toMatch(RAW_CONTROL);
  });

  it("in --json, as JSON escapes that read back to the original value", async () => {
    const r = await provmgr(["-c", c, "--show-user", "-u", "mallory", "--json"]);
    expect(r.stdout).not.toMatch(RAW_CONTROL);
    const title = parsed(r).records[0].ldapAttributes.title[0];
    expect(title).toBe(TITLE);
  });

  it("in error messages on stderr and in the log file", async () => {
    const log = tempLogConfig();
    const r = await provmgr(["-c", c, "--show-user", "-u", `nobody${CLEAR}`], { env: { FERRY_PROVMGR_LOG_CONFIG: log.config } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain("nobody\\u001b[2J");
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect(readFileSync(log.logFile, "utf8")).not.toMatch(RAW_CONTROL);
  });
});
