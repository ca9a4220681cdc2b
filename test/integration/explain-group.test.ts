// Explain for a group (issue 13): why one directory group is in its state — the group
// filter and base, its name against the name the target acknowledged, its members now
// against the members the target acknowledged (who would be added or removed, who never
// reaches the target and why), the record, the decision — read-only, from the library,
// the API and provmgr. Real slapd, real SCIMMY, real PostgreSQL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../lib/api-tokens/create-api-token.ts";
import { explainGroup } from "../../lib/channels/explain-group.ts";
import * as explainGroupRoute from "../../app/api/v1/channels/[id]/explain-group/route.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";
import { callRoute } from "../helpers/route-call.ts";
import { provmgr } from "./provmgr.helpers.ts";

let w: TWorld;
const dns: Record<string, string> = {};
let team: string;

beforeAll(async () => {
  w = await startWorld({ target: "scimmy" });
  for (const uid of ["ada", "bob", "cy", "dee"]) dns[uid] = await w.slapd.addUser({ uid, givenName: uid, sn: "Explain", mail: `${uid}@example.com` });
  // dee is no user of the channel: not in the provisioning group
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dns.ada!, dns.bob!, dns.cy!]);
  team = await w.slapd.addGroup("team", [dns.ada!, dns.bob!]);
  const r = await w.cycle();
  expect(r.status, r.message).toBe("SUCCESS");
  expect((await w.scim.listGroups()).map((g) => g.displayName)).toEqual(["team"]);
});
afterAll(() => w?.stop());

describe("explain a group", () => {
  it("a provisioned group the target holds as the directory has it: in scope, nothing to send", async () => {
    const ex = await explainGroup({ channelId: w.channelId, group: { auto: "team" } });
    expect(ex.found).toMatchObject({ dn: team, by: "name" });
    expect(ex.checks.map((c) => [c.rule, c.ok])).toEqual([["groups", true], ["base", true], ["filter", true], ["scope", true]]);
    expect(ex.name).toEqual({ now: "team", acknowledged: "team", changed: false });
    expect(ex.members).toMatchObject({ rule: "direct", directory: 2, desired: 2, acknowledged: 2, toAdd: { count: 0 }, toRemove: { count: 0 }, notSent: { count: 0 } });
    expect(ex.decision).toEqual({ action: "NONE", says: expect.stringMatching(/^up to date at the target/) });
    expect(ex.record).toMatchObject({ targetState: "ACTIVE", memberDns: 2 });
    expect(ex.log.map((e) => e.action)).toContain("group-create");
  });

  it("members added and removed in the directory, and one who is no user of the channel, before a cycle sees them", async () => {
    await w.slapd.addMembers(team, [dns.cy!, dns.dee!]);
    await w.slapd.removeMembers(team, [dns.bob!]);
    const ex = await explainGroup({ channelId: w.channelId, group: { dn: team } });
    expect(ex.members).toMatchObject({
      directory: 3,
      desired: 2,
      acknowledged: 2,
      toAdd: { count: 1, sample: [{ name: "cy" }] },
      toRemove: { count: 1, sample: [{ name: "bob" }] },
      notSent: { count: 1, sample: [{ dn: dns.dee!.toLowerCase(), name: null, why: expect.stringMatching(/^not a user of this channel/) }] },
    });
    expect(ex.decision).toEqual({ action: "UPDATE", says: "add 1 member(s), remove 1 member(s)" });

    // the next cycle does exactly that; explain then finds nothing to send
    expect((await w.cycle()).status).toBe("SUCCESS");
    const after = await explainGroup({ channelId: w.channelId, group: { auto: "team" } });
    expect(after.members).toMatchObject({ desired: 2, acknowledged: 2, toAdd: { count: 0 }, toRemove: { count: 0 } });
    expect(after.decision.action).toBe("NONE");
  });

  it("a renamed group shows the new name against the one the target holds", async () => {
    team = await w.slapd.rename(team, "cn=squad");
    const ex = await explainGroup({ channelId: w.channelId, group: { auto: "squad" } });
    expect(ex.name).toEqual({ now: "squad", acknowledged: "team", changed: true });
    expect(ex.decision).toEqual({ action: "UPDATE", says: 'rename "team" → "squad"' });
  });

  it("a group outside the filter, a group not found, and one by GUID", async () => {
    const out = await explainGroup({ channelId: w.channelId, group: { name: "app-users" } });
    expect(out.inScope).toBe(false);
    expect(out.checks.find((c) => c.rule === "filter")).toMatchObject({ ok: false });
    expect(out.summary).toMatch(/^out of scope: does not match the group filter/);
    expect(out.members).toBeNull();
    expect(out.decision).toEqual({ action: "NONE", says: "out of scope and not at the target: nothing to do" });

    const missing = await explainGroup({ channelId: w.channelId, group: { name: "no-such-group" } });
    expect(missing).toMatchObject({ found: null, summary: "not found in the directory (name no-such-group)" });

    const guid = await w.slapd.entryUUID(team);
    const byGuid = await explainGroup({ channelId: w.channelId, group: { auto: guid } });
    expect(byGuid.found).toMatchObject({ dn: team, by: "guid" });
  });

  it("a group gone from the scope is deleted through the guard", async () => {
    await w.slapd.modify(team, { description: "out" });
    await w.reconfigure((c) => (c.source.groupFilter = "(&(objectClass=groupOfNames)(!(cn=app-users))(!(description=out)))"));
    const ex = await explainGroup({ channelId: w.channelId, group: { dn: team } });
    expect(ex.inScope).toBe(false);
    expect(ex.decision).toEqual({ action: "DELETE", says: expect.stringMatching(/through the deprovisioning guard$/) });
  });

  it("the API (viewer) and provmgr --explain-group say the same, and write nothing", async () => {
    const { token } = await createApiToken({ name: "explain-group-viewer", role: "viewer", actor: "test", via: "test" });
    const res = await callRoute(explainGroupRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/explain-group?group=squad&by=name`, params: { id: String(w.channelId) } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body).toMatchObject({ found: { dn: team }, decision: { action: "DELETE" } });
    const bad = await callRoute(explainGroupRoute.GET as never, { token, path: `/api/v1/channels/${w.channelId}/explain-group?group=`, params: { id: String(w.channelId) } });
    expect(bad.status).toBe(400);

    const cli = await provmgr(["-c", String(w.channelId), "--explain-group", "-u", "squad"]);
    expect(cli.code, cli.stderr).toBe(0);
    expect(cli.stdout).toContain("Explain group name squad");
    expect(cli.stdout).toMatch(/NO {3}filter/);
    expect(cli.stdout).toContain("Decision: DELETE");
    const json = JSON.parse((await provmgr(["-c", String(w.channelId), "--explain-group", "-u", team, "--json"])).stdout);
    expect(json).toMatchObject({ command: "explain-group", found: { by: "dn" } });
    expect(w.scim.requestCount()).toBeGreaterThan(0);
  });
});
