// Issue 16 against real parts: slapd, SCIMMY (which enforces its schemas' types) and
// Better Auth. Expressions, several values, the enterprise extension with the manager
// (provisioned before and after the report, changed, deleted), externalId from the GUID,
// group mapping, the target's /Schemas refusing a mapping when saved, and an unreachable
// target only warning.
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as previewRoute from "../../app/api/v1/channels/[id]/mapping-preview/route.ts";
import * as channelsRoute from "../../app/api/v1/channels/route.ts";
import { createApiToken } from "../../lib/api-tokens/create-api-token.ts";
import { ZChannelEdit } from "../../lib/channel-config/config.ts";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { explainUser } from "../../lib/channels/explain-user.ts";
import { previewMapping } from "../../lib/channels/preview-mapping.ts";
import { provisionOnDemand } from "../../lib/channels/provision-on-demand.ts";
import { getDb } from "../../lib/db/index.ts";
import { AppError } from "../../lib/errors.ts";
import { CUSTOM_USER_EXTENSION } from "../../devkit/scim-scimmy.ts";
import { startWorld, userRecord, type TWorld } from "../helpers/fixture.ts";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const MAPPING = {
  userName: "uid",
  "name.givenName": "givenName",
  "name.familyName": "sn",
  displayName: { expression: 'normalizeDiacritics(attr("givenName")) + " " + upper(attr("sn"))' },
  "emails.work": { expression: 'attrs("mail")' },
  "phoneNumbers.work": { expression: 'attrs("telephoneNumber").map(p, regexReplace(p, "[^0-9+]", ""))' },
  title: { expression: 'coalesce(attr("title"), "Staff")' },
  [`${ENT}:employeeNumber`]: "employeeNumber",
  [`${ENT}:department`]: { expression: 'lookup({"10": "Sales", "20": "R&D"}, attr("departmentNumber"), "Other")' },
  [`${ENT}:manager`]: { reference: "manager" },
};

type THandler = (req: NextRequest, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

/** A route handler called as Next.js calls it, with an admin API token. */
async function callApi(handler: unknown, token: string, body: unknown, params: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const req = new NextRequest("http://console.test/api/v1/x", {
    method: "POST",
    headers: { host: "console.test", authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  const res = await (handler as THandler)(req, { params: Promise.resolve(params) });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

/** The PATCH bodies the channel sent for a user (the provisioning log keeps each request). */
async function patchesSent(channelId: number, userName: string): Promise<string[]> {
  const db = await getDb();
  const rows = await db.$queryRawUnsafe<Array<{ body: string }>>(
    `SELECT request_body AS body FROM provisioning_log WHERE channel_id = $1 AND record_name = $2 AND method = 'PATCH' ORDER BY at, id`,
    channelId,
    userName,
  );
  return rows.map((r) => r.body);
}

/** A user whose mail changes, with emails.work from mail and emails.other beside it: by type, only the work value is sent. */
async function changeOneTypedValue(w: TWorld, uid: string): Promise<void> {
  await w.reconfigure((cfg) => {
    cfg.mapping = { ...cfg.mapping, "emails.work": "mail", "emails.other": { expression: 'attr("uid") + "@other.example"' } };
    cfg.target = { ...cfg.target, multiValuePatch: "by-type" };
  });
  const dn = await w.slapd.addUser({ uid, givenName: "Val", sn: "Typed", mail: `${uid}@example.com` });
  await w.slapd.addMembers(`cn=app-users,${w.slapd.groupsDn}`, [dn]);
  await w.cycle();
  await w.slapd.modify(dn, { mail: `${uid}.new@example.com` });
  await w.cycle();
  const u = (await w.scim.listUsers()).find((x) => x.userName === uid)!.raw;
  const byType = Object.fromEntries(u.emails.map((e: { type: string; value: string }) => [e.type, e.value]));
  expect(byType).toEqual({ work: `${uid}.new@example.com`, other: `${uid}@other.example` });
  expect((await userRecord(w.channelId, uid))?.dirty).toBe(false);
  const last = (await patchesSent(w.channelId, uid)).at(-1)!;
  expect(last).toContain(`emails[type eq \\"work\\"].value`);
  expect(last).not.toContain("other.example");
}

async function failure(p: Promise<unknown>): Promise<AppError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("mapping against SCIMMY", () => {
  let w: TWorld;
  let group: string;
  const user = async (userName: string) => (await w.scim.listUsers()).find((u) => u.userName === userName)?.raw;

  beforeAll(async () => {
    w = await startWorld({
      target: "scimmy",
      configure: (cfg) => {
        cfg.mapping = MAPPING;
        cfg.options = { ...cfg.options, removeUserAction: "delete", provisionGroups: false };
      },
    });
    group = `cn=app-users,${w.slapd.groupsDn}`;
  });
  afterAll(async () => {
    await w?.stop();
  });

  it("sends expressions, every value of multi-valued attributes, the enterprise extension and externalId", async () => {
    const dn = await w.slapd.addUser({
      uid: "zoe",
      givenName: "Zoë",
      sn: "Groß",
      mail: ["zoe@example.com", "z.gross@example.com"] as unknown as string,
      extra: { telephoneNumber: ["+33 1 23 45 67 89", "+33 9 87 65 43 21"], employeeNumber: "E-7", departmentNumber: "20" },
    });
    await w.slapd.addMembers(group, [dn]);
    expect((await w.cycle()).status).toBe("SUCCESS");
    const u = await user("zoe");
    expect(u.displayName).toBe("Zoe GROSS");
    expect(u.title).toBe("Staff");
    expect(u.externalId).toBe(await w.slapd.entryUUID(dn));
    expect(u.emails.map((e: { value: string }) => e.value)).toEqual(["zoe@example.com", "z.gross@example.com"]);
    expect(u.emails.filter((e: { primary?: boolean }) => e.primary)).toHaveLength(1);
    expect(u.phoneNumbers.map((e: { value: string }) => e.value)).toEqual(["+33123456789", "+33987654321"]);
    expect(u[ENT]).toMatchObject({ employeeNumber: "E-7", department: "R&D" });

    // one value changes: the target holds the new set, the other attributes untouched
    await w.slapd.modify(dn, { telephoneNumber: ["+33 1 23 45 67 89", "+44 20 7946 0000"] });
    await w.cycle();
    const after = await user("zoe");
    expect(after.phoneNumbers.map((e: { value: string }) => e.value)).toEqual(["+33123456789", "+442079460000"]);
    expect(after.emails.map((e: { value: string }) => e.value)).toEqual(["zoe@example.com", "z.gross@example.com"]);
    expect((await userRecord(w.channelId, "zoe"))?.dirty).toBe(false);
  });

  it("sets a report's manager once the manager is provisioned after it, follows a change, and drops a deleted manager", async () => {
    const bossDn = await w.slapd.addUser({ uid: "boss", givenName: "Bo", sn: "Boss", mail: "boss@example.com" });
    const carlDn = await w.slapd.addUser({ uid: "carl", givenName: "Carl", sn: "Chief", mail: "carl@example.com" });
    // the DN as an admin types it: other case, spaces after the commas
    const annDn = await w.slapd.addUser({ uid: "ann", givenName: "Ann", sn: "Report", mail: "ann@example.com", extra: { manager: bossDn.toUpperCase().replace(/,/g, ", ") } });
    await w.slapd.addMembers(group, [annDn]);
    await w.cycle();
    const ann = await user("ann");
    expect(ann).toBeDefined();
    expect(ann[ENT]?.manager).toBeUndefined(); // the manager is not provisioned yet

    await w.slapd.addMembers(group, [bossDn]);
    await w.cycle(); // the manager is created; the report is marked to be updated
    await w.cycle(); // …and updated
    const boss = await user("boss");
    expect((await user("ann"))[ENT].manager.value).toBe(boss.id);
    expect((await userRecord(w.channelId, "ann"))?.dirty).toBe(false);

    await w.slapd.addMembers(group, [carlDn]);
    await w.slapd.modify(annDn, { manager: carlDn });
    await w.cycle();
    await w.cycle();
    const carl = await user("carl");
    expect((await user("ann"))[ENT].manager.value).toBe(carl.id);

    // the manager leaves (deleted at the target): the report loses it
    await w.slapd.removeMembers(group, [carlDn]);
    await w.cycle();
    expect(await user("carl")).toBeUndefined();
    await w.cycle();
    expect((await user("ann"))[ENT]?.manager?.value).toBeUndefined();
  });

  it("keeps a user whose expression fails dirty with the error, and provisions the others", async () => {
    await w.reconfigure((cfg) => {
      cfg.mapping = { ...MAPPING, title: { expression: 'attrs("description")[0]' } };
    });
    const okDn = await w.slapd.addUser({ uid: "dee", givenName: "Dee", sn: "Desc", mail: "dee@example.com", extra: { description: "Buyer" } });
    const badDn = await w.slapd.addUser({ uid: "ned", givenName: "Ned", sn: "None", mail: "ned@example.com" });
    await w.slapd.addMembers(group, [okDn, badDn]);
    await w.cycle();
    expect((await user("dee")).title).toBe("Buyer");
    expect(await user("ned")).toBeUndefined();
    const rec = await userRecord(w.channelId, "ned");
    expect(rec?.dirty).toBe(true);
    expect(rec?.lastError).toMatch(/mapping title: .*index/i);
    // explain says the same, and provision on demand keeps it from being sent
    const ex = await explainUser({ channelId: w.channelId, user: { auto: "ned" } });
    expect(ex.mapped?.error).toMatch(/mapping title/);
    expect(ex.decision.action).toBe("NONE");
    const now = await provisionOnDemand({ channelId: w.channelId, user: { auto: "ned" }, actor: "test", via: "test" });
    expect(JSON.stringify(now)).toMatch(/mapping title/);
    expect(await user("ned")).toBeUndefined();
    await w.reconfigure((cfg) => {
      cfg.mapping = MAPPING;
    });
  });

  it("refuses a mapping the target's /Schemas refuse when the channel is saved, naming the key", async () => {
    const missing = await failure(applyChannelConfig({ config: { ...w.channelConfig, mapping: { ...MAPPING, [`${ENT}:badge`]: "uid" } }, actor: "test", via: "test" }));
    expect(missing.code).toBe("INVALID_CONFIG");
    expect(missing.message).toContain(`mapping.${ENT}:badge: the target's ${ENT} has no attribute "badge"`);
    const wrongType = await failure(applyChannelConfig({ config: { ...w.channelConfig, mapping: { ...MAPPING, active: "employeeType" } }, actor: "test", via: "test" }));
    expect(wrongType.message).toMatch(/mapping\.active: "active" is a boolean at the target/);
    const single = await failure(applyChannelConfig({ config: { ...w.channelConfig, mapping: { ...MAPPING, displayName: { expression: 'attrs("cn")' } } }, actor: "test", via: "test" }));
    expect(single.message).toMatch(/mapping\.displayName: gives several values/);
    // an expression that does not type-check: refused before the target is asked, with its column
    const syntax = await failure(applyChannelConfig({ config: { ...w.channelConfig, mapping: { ...MAPPING, title: { expression: 'lower(attr("title") + 1)' } } }, actor: "test", via: "test" }));
    expect(syntax.message).toMatch(/mapping\.title.*expression error at line 1, column \d+: no such overload/);
    // the stored mapping did not change
    expect((await applyChannelConfig({ config: w.channelConfig, actor: "test", via: "test" })).warnings).toEqual([]);
  });

  it("previews a directory user through an edited mapping: the resource, and the PATCH against what the target holds", async () => {
    const edit = ZChannelEdit.parse({ ...w.channelConfig, mapping: { ...MAPPING, title: { expression: 'upper(coalesce(attr("title"), "Staff"))' } } });
    const p = await previewMapping({ channelId: w.channelId, config: edit, user: { auto: "zoe" }, actor: "test", via: "test" });
    expect(p.user.by).toBe("name");
    expect(p.error).toBeNull();
    expect(p.values.title).toBe("STAFF");
    expect(p.resource).toMatchObject({ userName: "zoe", title: "STAFF", displayName: "Zoe GROSS", [ENT]: { employeeNumber: "E-7", department: "R&D" } });
    expect(p.target.state).toBe("held");
    // only what differs from what SCIMMY holds now
    expect(p.patch).toEqual([{ op: "replace", value: { title: "STAFF" } }]);
    // the report's manager resolved from the store, as a push would
    const ann = await previewMapping({ channelId: w.channelId, config: edit, user: { auto: "ann" }, actor: "test", via: "test" });
    expect(ann.values[`${ENT}:manager`]).toMatch(/^uid=carl,/);
    // nothing was saved or sent
    expect((await user("zoe")).title).toBe("Staff");
    const stranger = await w.slapd.addUser({ uid: "olga", givenName: "Olga", sn: "Out", mail: "olga@example.com" });
    const out = await previewMapping({ channelId: w.channelId, config: edit, user: { dn: stranger }, actor: "test", via: "test" });
    expect(out.target).toEqual({ state: "absent" });
    expect(out.patch).toEqual([]);
  });

  it("previews through the API, for a saved channel and one not saved yet, and refuses a user the directory lacks", async () => {
    const token = (await createApiToken({ name: "preview-bot", role: "admin", actor: "test", via: "test" })).token;
    const r = await callApi(previewRoute.POST, token, { config: w.channelConfig, user: "zoe" }, { id: String(w.channelId) });
    expect(r.status).toBe(200);
    expect(r.body.resource.userName).toBe("zoe");
    expect(r.body.patch).toEqual([]);
    const fresh = await import("../../app/api/v1/channels/mapping-preview/route.ts");
    const n = await callApi(fresh.POST, token, { config: { ...w.channelConfig, name: "not saved" }, user: "zoe", by: "name" });
    expect(n.status).toBe(200);
    expect(n.body.target.state).toBe("held");
    const none = await callApi(previewRoute.POST, token, { config: w.channelConfig, user: "nobody-here" }, { id: String(w.channelId) });
    expect(none.status).toBe(404);
    // a broken expression is a 400 naming the key and the column
    const bad = await callApi(channelsRoute.POST, token, { config: { ...w.channelConfig, name: "broken", mapping: { ...MAPPING, title: { expression: 'lower(attr("title")' } } } });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/mapping\.title.*expression error at line 1, column \d+/);
  });

  it("by type: a PATCH changes one typed value and leaves the other types (SCIMMY)", async () => {
    await changeOneTypedValue(w, "valsc");
    await w.reconfigure((cfg) => {
      cfg.mapping = MAPPING;
      cfg.target = { ...cfg.target, multiValuePatch: "whole" };
    });
  });

  it("maps a custom extension the target declares in /Schemas, and refuses the wrong type for it", async () => {
    const custom = { [`${CUSTOM_USER_EXTENSION}:badge`]: { expression: 'int(attr("employeeNumber"))' }, [`${CUSTOM_USER_EXTENSION}:aliases`]: { expression: 'attrs("mail").map(m, lower(m))' } };
    const wrong = await failure(applyChannelConfig({ config: { ...w.channelConfig, mapping: { ...MAPPING, [`${CUSTOM_USER_EXTENSION}:badge`]: "employeeNumber" } }, actor: "test", via: "test" }));
    expect(wrong.message).toContain(`mapping.${CUSTOM_USER_EXTENSION}:badge: "badge" is an integer at the target, and this gives a string: convert it, as in int(attr("x"))`);
    const one = await failure(applyChannelConfig({ config: { ...w.channelConfig, mapping: { ...MAPPING, [`${CUSTOM_USER_EXTENSION}:aliases`]: "mail" } }, actor: "test", via: "test" }));
    expect(one.message).toMatch(/"aliases" is multi-valued at the target/);
    await w.reconfigure((cfg) => {
      cfg.mapping = { ...MAPPING, ...custom };
    });
    const dn = await w.slapd.addUser({ uid: "cx", givenName: "Cus", sn: "Tom", mail: ["Cx@Example.com", "cx2@example.com"] as unknown as string, extra: { employeeNumber: "4711" } });
    await w.slapd.addMembers(group, [dn]);
    await w.cycle();
    const u = await user("cx");
    expect(u[CUSTOM_USER_EXTENSION]).toEqual({ badge: 4711, aliases: ["cx@example.com", "cx2@example.com"] });
    await w.reconfigure((cfg) => {
      cfg.mapping = MAPPING;
    });
  });

  it("saves with a warning when the target cannot be asked", async () => {
    const r = await applyChannelConfig({
      config: { ...w.channelConfig, name: "unreachable target", connectionId: "nowhere", target: { ...w.channelConfig.target, url: "http://127.0.0.1:9/scim/v2", maxRetries: 0 } },
      actor: "test",
      via: "test",
    });
    expect(r.created).toBe(true);
    expect(r.warnings?.[0]).toMatch(/could not be read .*the mapping was saved without being checked/);
  });
});

describe("mapping against Better Auth", () => {
  let w: TWorld;
  let group: string;

  beforeAll(async () => {
    w = await startWorld({
      configure: (cfg) => {
        cfg.mapping = { userName: "uid", "emails.work": "mail", "name.givenName": "givenName", "name.familyName": "sn", [`${ENT}:manager`]: { reference: "manager" } };
        cfg.groupMapping = { displayName: { expression: 'upper(attr("cn")) + " (directory)"' } };
      },
    });
    group = `cn=app-users,${w.slapd.groupsDn}`;
  });
  afterAll(async () => {
    await w?.stop();
  });

  it("sends externalId from the GUID, the manager as the manager's id, and a group named by an expression with its externalId", async () => {
    const bossDn = await w.slapd.addUser({ uid: "kim", givenName: "Kim", sn: "Lead", mail: "kim@example.com" });
    const repDn = await w.slapd.addUser({ uid: "lou", givenName: "Lou", sn: "Rep", mail: "lou@example.com", extra: { manager: bossDn } });
    await w.slapd.addMembers(group, [bossDn, repDn]);
    const teamDn = await w.slapd.addGroup("team", [bossDn, repDn]);
    await w.cycle();
    await w.cycle();
    const users = await w.scim.listUsers();
    const kim = users.find((u) => u.userName === "kim")!;
    const lou = users.find((u) => u.userName === "lou")!;
    expect(kim.raw.externalId).toBe(await w.slapd.entryUUID(bossDn));
    expect(lou.raw[ENT]?.manager?.value).toBe(kim.id);
    const team = (await w.scim.listGroups()).find((g) => g.displayName === "TEAM (directory)");
    expect(team).toBeDefined();
    expect(team!.raw.externalId).toBe(await w.slapd.entryUUID(teamDn));
    expect(team!.members.sort()).toEqual([kim.id, lou.id].sort());
  });

  it("by type: a PATCH changes one typed value and leaves the other types (Better Auth)", async () => {
    await changeOneTypedValue(w, "valba");
  });

  it("turns the externalId default off", async () => {
    await w.reconfigure((cfg) => {
      cfg.options = { ...cfg.options, externalIdFromGuid: false };
    });
    const dn = await w.slapd.addUser({ uid: "max", givenName: "Max", sn: "NoExt", mail: "max@example.com" });
    await w.slapd.addMembers(group, [dn]);
    await w.cycle();
    const max = (await w.scim.listUsers()).find((u) => u.userName === "max")!;
    expect(max.raw.externalId).toBeUndefined();
  });
});
