import { describe, expect, it } from "vitest";
import { CHANNEL_OPERATIONS } from "../lib/channels/operations.ts";
import { userQuery } from "./commands/on-demand.ts";
import { buildProgram, COMMANDS, exitCodes, toInvocation } from "./program.ts";

function parse(argv: string[]) {
  const program = buildProgram();
  program.configureOutput({ writeOut: () => undefined, writeErr: () => undefined, outputError: () => undefined });
  program.parse(argv, { from: "user" });
  return toInvocation(program.opts());
}

describe("provmgr arguments", () => {
  it("has the seed's 22 commands, plus Ferry's run now, retries, quarantine, the guard's holds, explain, provision on demand, the plan and the target's", () => {
    const names = COMMANDS.map((c) => c.name);
    expect(names).toHaveLength(36);
    const own = [
      "run-cycle-now",
      "run-full-cycle-now",
      "retry-failed-records",
      "release-quarantine",
      "show-holds",
      "approve-hold",
      "reject-hold",
      "explain-user",
      "explain-group",
      "provision-user",
      "show-plan",
      "test-target",
      "take-inventory",
      "show-unmanaged",
    ];
    expect(names.filter((n) => !own.includes(n))).toHaveLength(22);
    for (const n of own) expect(names).toContain(n);
  });

  it("takes every channel operation of the console and the API as a channel command, each once", () => {
    const names = COMMANDS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    for (const o of CHANNEL_OPERATIONS) expect(COMMANDS.find((c) => c.name === o.id)).toEqual({ name: o.id, needs: "channel", help: o.help });
    expect(parse(["-c", "2", "--delete-dirty-user-records"])).toEqual({ command: "delete-dirty-user-records", json: false, needs: "channel", channelId: 2 });
  });

  it("approves a hold only with its ID and the count reviewed", () => {
    expect(parse(["-c", "1", "--approve-hold", "--hold", "4", "--count", "60"])).toEqual({
      command: "approve-hold",
      json: false,
      needs: "channel+hold",
      channelId: 1,
      holdId: 4,
      count: 60,
    });
    expect(parse(["-c", "1", "--approve-hold", "--hold", "4"])).toEqual({ error: expect.stringMatching(/needs --hold <hold ID> and --count <number>/) });
    expect(parse(["-c", "1", "--approve-hold", "--hold", "x", "--count", "1"])).toEqual({ error: expect.stringMatching(/--hold must be a hold ID number/) });
    expect(parse(["-c", "1", "--show-holds", "--count", "3"])).toEqual({ error: expect.stringMatching(/--count is only used with --approve-hold and --reject-hold/) });
    expect(parse(["-c", "1", "--reject-hold", "--hold", "4", "--count", "60", "--reason", "truncated export"])).toMatchObject({ command: "reject-hold", holdId: 4, count: 60, reason: "truncated export" });
    expect(parse(["-c", "1", "--approve-hold", "--hold", "4", "--count", "60", "--reason", "x"])).toEqual({ error: "--reason is only used with --reject-hold" });
  });

  it("plans with --show-plan, taking --full and --limit only there", () => {
    expect(parse(["-c", "1", "--show-plan"])).toEqual({ command: "show-plan", json: false, needs: "channel+plan", channelId: 1, full: false, limit: 50 });
    expect(parse(["-c", "2", "--show-plan", "--full", "--limit", "20", "--json"])).toEqual({
      command: "show-plan",
      json: true,
      needs: "channel+plan",
      channelId: 2,
      full: true,
      limit: 20,
    });
    expect(parse(["--show-plan"])).toEqual({ error: expect.stringMatching(/needs a channel: add -c/) });
    expect(parse(["-c", "1", "--show-plan", "--limit", "501"])).toEqual({ error: expect.stringMatching(/--limit must be a number of records from 1 to 500/) });
    expect(parse(["-c", "1", "--show-plan", "--limit", "0"])).toEqual({ error: expect.stringMatching(/--limit must be a number of records/) });
    expect(parse(["-c", "1", "--reset-all", "--full"])).toEqual({ error: expect.stringMatching(/--full is only used with --show-plan/) });
    expect(parse(["-c", "1", "--show-holds", "--limit", "5"])).toEqual({ error: expect.stringMatching(/--limit is only used with --show-plan/) });
  });

  it("turns options into one invocation", () => {
    expect(parse(["--show-channels"])).toEqual({ command: "show-channels", json: false, needs: "nothing" });
    expect(parse(["-c", "3", "--reset-all", "--json"])).toEqual({ command: "reset-all", json: true, needs: "channel", channelId: 3 });
    expect(parse(["--force-node-backup", "-n", "2"])).toEqual({ command: "force-node-backup", json: false, needs: "node", nodeId: 2 });
    expect(parse(["-c", "1", "--show-user", "-u", "user@example.com"])).toMatchObject({ lookup: { providerName: "user@example.com" } });
    expect(parse(["-c", "1", "--show-group", "-g", "ffd448643f812b43a0bee2504173f0"])).toMatchObject({ lookup: { guid: "ffd448643f812b43a0bee2504173f0" } });
    expect(parse(["-c", "2", "--explain-user", "-u", "jdoe"])).toEqual({ command: "explain-user", json: false, needs: "channel+record", channelId: 2, lookup: { providerName: "jdoe" } });
    expect(parse(["-c", "2", "--provision-user", "-u", "uid=jdoe,ou=people,dc=example,dc=com", "--json"])).toEqual({
      command: "provision-user",
      json: true,
      needs: "channel+record",
      channelId: 2,
      lookup: { providerName: "uid=jdoe,ou=people,dc=example,dc=com" },
    });
    expect(parse(["-c", "2", "--provision-user", "-g", "4e3b1c2a-0000-4000-8000-000000000001"])).toMatchObject({ lookup: { guid: "4e3b1c2a-0000-4000-8000-000000000001" } });
  });

  it("-u of --explain-user and --provision-user is a user name or a DN; -g a GUID", () => {
    expect(userQuery({ providerName: "jdoe" })).toEqual({ name: "jdoe" });
    expect(userQuery({ providerName: "uid=jdoe,ou=people,dc=example,dc=com" })).toEqual({ dn: "uid=jdoe,ou=people,dc=example,dc=com" });
    expect(userQuery({ providerName: "CN=Doe\\, John,OU=Staff,DC=corp" })).toEqual({ dn: "CN=Doe\\, John,OU=Staff,DC=corp" });
    expect(userQuery({ guid: "ABC" })).toEqual({ guid: "ABC" });
    expect(parse(["-c", "1", "--explain-user"])).toEqual({ error: expect.stringMatching(/needs -u <provider name> or -g <LDAP GUID>/) });
    expect(parse(["-c", "1", "--provision-user", "-u", "a", "-g", "b"])).toEqual({ error: expect.stringMatching(/not both/) });
  });

  it("explains what is missing or extra", () => {
    expect(parse([])).toEqual({ error: expect.stringMatching(/no command given/) });
    expect(parse(["--show-source"])).toEqual({ error: expect.stringMatching(/needs a channel: add -c/) });
    expect(parse(["-c", "0", "--show-source"])).toEqual({ error: expect.stringMatching(/-c must be a channel ID number/) });
    expect(parse(["-c", "1", "--show-user", "-u", "a", "-g", "b"])).toEqual({ error: expect.stringMatching(/not both/) });
    expect(parse(["-c", "1", "--show-channels"])).toEqual({ error: expect.stringMatching(/global command and takes no -c/) });
    expect(parse(["-c", "1", "--reset-all", "-u", "x"])).toEqual({ error: expect.stringMatching(/-u is only used with --show-user/) });
    expect(parse(["--force-node-backup", "-n", "x"])).toEqual({ error: expect.stringMatching(/-n must be a node ID number/) });
  });

  it("documents every exit code once", () => {
    const exits = exitCodes().map((e) => e.exit);
    expect(new Set(exits).size).toBe(exits.length);
    expect(exits).toContain(7);
  });
});
