// A write the target applied but answered badly: a 2xx whose body is not JSON, is cut off,
// or lacks the resource. The outcome is uncertain, not fatal: within the same cycle Ferry
// finds the resource (by userName or displayName after a create, by id after an update)
// and links it, and never sends a create twice. SCIMMY is the target because it accepts
// two groups with one displayName: a create sent twice would show as a duplicate.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { getDb } from "../../lib/db/index.ts";
import { startFaultProxy, type FaultProxy } from "../harness/fault-proxy.ts";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";

let w: TWorld;
let proxy: FaultProxy;
let n = 0;

beforeAll(async () => {
  w = await startWorld({ target: "scimmy" });
  proxy = await startFaultProxy(w.scim.baseUrl);
  await w.reconfigure((c) => {
    c.target.url = proxy.baseUrl;
    c.target.maxRetries = 2;
  });
  await w.cycle(); // discovery and an empty first read
});
beforeEach(() => proxy.clear());
afterAll(async () => {
  await proxy?.stop();
  await w?.stop();
});

async function newMember(): Promise<{ uid: string; dn: string }> {
  const uid = `u${++n}`;
  const dn = await w.slapd.addUser({ uid, givenName: "U", sn: `${n}`, mail: `${uid}@example.com` });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
  return { uid, dn };
}

const usersNamed = async (uid: string) => (await w.scim.listUsers()).filter((u) => u.userName === uid);
const groupsNamed = async (name: string) => (await w.scim.listGroups()).filter((g) => g.displayName === name);
const posts = (from: number, path: string) => proxy.log.slice(from).filter((l) => l.method === "POST" && l.path.includes(path));

describe("a write applied by the target but answered badly", () => {
  it("POST /Users answered 201 with a body that is not JSON: the user is found by userName and linked in the same cycle", async () => {
    const { uid } = await newMember();
    const mark = proxy.log.length;
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, afterForward: true, status: 201, body: "<html>gateway: upstream said OK</html>" });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    const at = await usersNamed(uid);
    expect(at).toHaveLength(1);
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(false);
    expect(rec?.scimId).toBe(at[0]!.id);
    expect(rec?.lastError).toBeNull();
    expect(posts(mark, "/Users")).toHaveLength(1);
  });

  it("POST /Users answered 201 with the body cut off mid-way: linked in the same cycle, sent once", async () => {
    const { uid } = await newMember();
    const mark = proxy.log.length;
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, truncateBodyAt: 25 });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(await usersNamed(uid)).toHaveLength(1);
    expect((await userRecord(w.channelId, uid))?.scimId).toBe((await usersNamed(uid))[0]!.id);
    expect(posts(mark, "/Users")).toHaveLength(1);
  });

  it("POST /Groups answered 201 with the body cut off: the group is found by displayName and linked with its members, never created twice", async () => {
    const { dn } = await newMember();
    await w.cycle();
    const mark = proxy.log.length;
    await w.slapd.addGroup("uncertain-team", [dn]);
    proxy.inject({ method: "POST", pathIncludes: "/Groups", times: 1, truncateBodyAt: 30 });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    const groups = await groupsNamed("uncertain-team");
    expect(groups).toHaveLength(1);
    expect(groups[0]!.members).toHaveLength(1);
    const db = await getDb();
    const rec = await db.groupRecord.findFirst({ where: { channelId: w.channelId, providerName: "uncertain-team" } });
    expect(rec?.dirty).toBe(false);
    expect(rec?.scimId).toBe(groups[0]!.id);
    expect(posts(mark, "/Groups")).toHaveLength(1);
  });

  it("PATCH /Users answered 200 with a body that is not JSON: the update is confirmed by reading the user back, in the same cycle", async () => {
    const { uid, dn } = await newMember();
    await w.cycle();
    await w.slapd.modify(dn, { sn: "Changed" });
    await new Promise((r) => setTimeout(r, 1_100)); // LDAP timestamps have one-second resolution
    await w.reconfigure((c) => (c.options.fullSyncIntervalSec = 1)); // a full read sees the change whatever the overlap
    proxy.inject({ method: "PATCH", pathIncludes: "/Users/", times: 1, afterForward: true, status: 200, body: '{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"id":' });
    const mark = proxy.log.length;
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(false);
    expect((await usersNamed(uid))[0]!.name?.familyName).toBe("Changed");
    expect(proxy.log.slice(mark).filter((l) => l.method === "GET" && l.path.includes(`/Users/${rec!.scimId}`))).toHaveLength(1);
    await w.reconfigure((c) => (c.options.fullSyncIntervalSec = 3600));
  });

  it("a 201 that did not come from the target (a proxy's page) and no such user there: left dirty as uncertain, not sent twice; the next cycle creates it", async () => {
    const { uid } = await newMember();
    const mark = proxy.log.length;
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, status: 201, body: "<html>proxy login</html>", headers: { "content-type": "text/html" } });
    const r = await w.cycle();
    expect(r.status).toBe("PARTIAL");
    const rec = await userRecord(w.channelId, uid);
    expect(rec?.dirty).toBe(true);
    expect(rec?.scimId).toBeNull();
    expect(rec?.lastError).toMatch(/^uncertain: POST \/Users: answered 201 with a body that is not JSON: <html>proxy login<\/html>; no user "u\d+" at the target by userName: not sent again/);
    expect(posts(mark, "/Users")).toHaveLength(1);
    await w.cycle();
    const after = await userRecord(w.channelId, uid);
    expect(after?.dirty).toBe(false);
    expect(await usersNamed(uid)).toHaveLength(1);
  });

  it("a POST whose connection drops before the target saw it: looked up, not there, sent again in the same cycle", async () => {
    const { uid } = await newMember();
    const mark = proxy.log.length;
    proxy.inject({ method: "POST", pathIncludes: "/Users", times: 1, dropConnection: true });
    const r = await w.cycle();
    expect(r.status, r.message).toBe("SUCCESS");
    expect(await usersNamed(uid)).toHaveLength(1);
    // the lookup came between the two POSTs
    const log = proxy.log.slice(mark).map((l) => `${l.method} ${l.path.split("?")[0]}`);
    const firstPost = log.indexOf("POST /scim/v2/Users");
    expect(log.slice(firstPost, firstPost + 3)).toEqual(["POST /scim/v2/Users", "GET /scim/v2/Users", "POST /scim/v2/Users"]);
  });
});
