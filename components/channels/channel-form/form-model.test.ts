import { describe, expect, it } from "vitest";
import { ZChannelEdit, ZSourceEdit } from "@/lib/channel-config/config";
import {
  channelEditOf,
  channelFormFrom,
  issuesByField,
  problemText,
  mappingHasUserName,
  mappingOf,
  mappingRows,
  mappingText,
  newChannelForm,
  numberFrom,
  sourceTestBody,
  targetTestBody,
  withAuthType,
  withDirectoryType,
  withDisabledChoice,
  withMappingKind,
  withMappingText,
  withProfile,
  withMappingTransform,
  withSource,
  withTarget,
  type TChannelForm,
  type TStoredChannelView,
} from "./form-model";

/** A channel's overview as GET /channels/{id} gives it (masked secrets, views of its own, tuning the form does not show). */
const stored: TStoredChannelView = {
  name: "Acme Wiki",
  connectionId: "acme-wiki",
  channelStatus: "active",
  connectionStatus: "inactive",
  syncFrequencySec: 5,
  source: {
    directoryType: "openldap",
    url: "ldap://dir.example.com:389",
    startTls: false,
    rejectUnauthorized: true,
    bindDn: "cn=admin,dc=example,dc=com",
    bindPassword: "********",
    connectTimeoutMs: 5000,
    timeoutMs: 30000,
    baseDn: "ou=people,dc=example,dc=com",
    groupDn: "cn=app-users,ou=groups,dc=example,dc=com",
    userObjectFilter: "(objectClass=inetOrgPerson)",
    nestedGroups: false,
    groupBaseDn: "ou=groups,dc=example,dc=com",
    groupFilter: "(objectClass=groupOfNames)",
    groupNameAttribute: "cn",
    memberAttribute: "member",
    guidAttribute: "entryUUID",
    timestampAttribute: "modifyTimestamp",
    groupChangeAttribute: "entryCSN",
    disabled: { kind: "attribute", attribute: "employeeType", value: "disabled" },
    pageSize: 250,
    changeCapture: "auto",
    syncMode: "poll",
    ldapUrl: "ldap://dir.example.com:389/ou=people,dc=example,dc=com??sub?(...)",
    userFilter: "(&(objectClass=inetOrgPerson)(memberOf=cn=app-users,ou=groups,dc=example,dc=com))",
  },
  target: {
    url: "https://app.example.com/scim/v2",
    auth: { type: "bearer", token: "********" },
    timeoutMs: 30000,
    maxConcurrency: 4,
    membersPerPatch: 200,
    usePatch: "auto",
    userMatching: "lookup-first",
    inventoryMatch: ["externalId", "emails"],
    multiValuePatch: "whole",
    maxRetries: 5,
  },
  mapping: { user: { userName: "uid", displayName: { attribute: "cn", transform: "upper" }, title: { literal: true } }, group: { displayName: "cn" } },
  options: {
    createUsers: true,
    updateUsers: true,
    deprovisionUsers: true,
    removeUserAction: "disable",
    provisionDisabledUsers: false,
    provisionGroups: true,
    fullSyncIntervalSec: 3600,
    maxDeprovisionPercent: 50,
    deprovisionGuardMinimum: 7,
    maxDeprovisionCount: 500,
    quarantineAfterFailures: 4,
    recordRetryMaxSec: 900,
    enforceUserAttributes: false,
    nestedGroups: "flatten",
    deprovisionedMemberships: "keep",
  externalIdFromGuid: true,
  },
};

/** A new channel's form with what a person fills in. */
function filledNewForm(): TChannelForm {
  let f = newChannelForm();
  f = { ...f, channel: { ...f.channel, name: " New ", connectionId: "new" } };
  f = withSource(f, { url: " ldap://dir.example.com ", bindDn: "cn=admin,dc=example,dc=com", bindPassword: "pw", baseDn: "dc=example,dc=com", groupDn: "cn=g,dc=example,dc=com" });
  return withTarget(f, { url: "https://app.example.com/scim/v2", auth: { type: "bearer", token: "tok" } });
}

describe("a new channel", () => {
  it("starts from the schema's defaults and sends what the API takes", () => {
    const edit = channelEditOf(filledNewForm());
    const parsed = ZChannelEdit.parse(edit);
    expect(parsed).toMatchObject({
      name: "New",
      syncFrequencySec: 60,
      source: { url: "ldap://dir.example.com", bindPassword: "pw", groupDn: "cn=g,dc=example,dc=com", groupNameAttribute: "cn" },
      target: { maxConcurrency: 4, auth: { type: "bearer", token: "tok" } },
      mapping: { userName: "uid", "name.givenName": "givenName", "name.familyName": "sn", "emails.work": "mail", displayName: "cn" },
      options: { provisionGroups: false, fullSyncIntervalSec: 3600, maxDeprovisionPercent: 50 },
    });
    expect(parsed.source.filter).toBeUndefined();
  });

  it("takes the directory type's default mapping", () => {
    const f = withDirectoryType(newChannelForm(), "active-directory");
    expect(mappingOf(f.mapping).userName).toBe("sAMAccountName");
  });

  it("sends an Active Directory bind name and the certificate's name as typed, and no certificate name when left empty", () => {
    const f = withSource(filledNewForm(), { url: "ldaps://10.0.0.5", bindDn: " CORP\\svc-ferry ", tlsServername: " dc1.corp.example.com " });
    const parsed = ZChannelEdit.parse(channelEditOf(f));
    expect(parsed.source).toMatchObject({ bindDn: "CORP\\svc-ferry", tlsServername: "dc1.corp.example.com" });
    expect(ZChannelEdit.parse(channelEditOf(withSource(f, { tlsServername: "  " }))).source.tlsServername).toBeUndefined();
  });

  it("sends an empty secret as a keep, which the server refuses for a new channel, naming the field", () => {
    const f = withSource(filledNewForm(), { bindPassword: "" });
    expect(channelEditOf(f).source.bindPassword).toEqual({ keep: true });
  });
});

describe("an edit", () => {
  const form = channelFormFrom(stored);

  it("keeps everything as stored, what the form does not show too, and keeps the secrets", () => {
    const edit = ZChannelEdit.parse(channelEditOf(form));
    expect(edit.source).toMatchObject({ pageSize: 250, groupChangeAttribute: "entryCSN", bindPassword: { keep: true }, groupFilter: "(objectClass=groupOfNames)" });
    expect(edit.target).toMatchObject({ maxRetries: 5, membersPerPatch: 200, auth: { type: "bearer", token: { keep: true } } });
    expect(edit.options.deprovisionGuardMinimum).toBe(7);
    expect(edit.connectionActive).toBe(false);
    expect(edit.mapping).toEqual(stored.mapping.user);
  });

  it("a new target profile drops the values the channel gave itself, so the profile's apply; the rest is kept", () => {
    const edit = ZChannelEdit.parse(channelEditOf(withProfile(form, "better-auth")));
    expect(edit.target.profile).toBe("better-auth");
    expect(edit.target.membersPerPatch).toBeUndefined();
    expect(edit.target.rateLimit).toBeUndefined();
    expect(edit.target).toMatchObject({ maxRetries: 5, maxConcurrency: 4, auth: { type: "bearer", token: { keep: true } } });
  });

  it("does not send back the overview's own views of the source", () => {
    const source = channelEditOf(form).source as Record<string, unknown>;
    expect(source).not.toHaveProperty("ldapUrl");
    expect(source).not.toHaveProperty("userFilter");
    expect(ZSourceEdit.safeParse(source).success).toBe(true);
  });

  it("sends a secret typed in, and keeps the stored one again when the field is emptied", () => {
    const typed = withSource(form, { bindPassword: "new" });
    expect(channelEditOf(typed).source.bindPassword).toBe("new");
    expect(channelEditOf(withSource(typed, { bindPassword: "" })).source.bindPassword).toEqual({ keep: true });
  });

  it("keeps a directory type change from replacing the mapping", () => {
    expect(withDirectoryType(form, "389ds").mapping).toEqual(form.mapping);
  });
});

describe("choices between fields", () => {
  const form = channelFormFrom(stored);

  it("sends only the scope chosen, and keeps the other while the form is open", () => {
    const byFilter = withSource({ ...form, scope: "filter" }, { filter: " (ou=x) " });
    expect(channelEditOf(byFilter).source).toMatchObject({ filter: "(ou=x)", groupDn: undefined });
    expect(channelEditOf({ ...byFilter, scope: "group" }).source).toMatchObject({ groupDn: stored.source.groupDn, filter: undefined });
  });

  it("sends the group filter only while groups are provisioned", () => {
    const off = channelEditOf({ ...form, groupsOn: false });
    expect(off.source).toMatchObject({ groupFilter: undefined, groupBaseDn: undefined });
    expect(off.options?.provisionGroups).toBe(false);
  });

  it("remembers each authentication type's fields and never carries a kept secret to another type", () => {
    const basic = withAuthType(form, "basic");
    expect(basic.channel.target.auth).toEqual({ type: "basic", username: "", password: "" });
    const typed = withTarget(basic, { auth: { type: "basic", username: "u", password: "p" } });
    const back = withAuthType(typed, "bearer");
    expect(back.channel.target.auth).toEqual({ type: "bearer", token: { keep: true } });
    expect(withAuthType(back, "basic").channel.target.auth).toEqual({ type: "basic", username: "u", password: "p" });
    expect(channelEditOf(withAuthType(form, "oauth2")).target.auth).toMatchObject({ type: "oauth2", clientSecret: { keep: true } });
  });

  it("reads disabled users as the directory type says, or as chosen", () => {
    expect(channelEditOf(withDisabledChoice(form, "default")).source.disabled).toBeUndefined();
    expect(channelEditOf(withDisabledChoice(form, "ad-uac")).source.disabled).toEqual({ kind: "ad-uac" });
    expect(withDisabledChoice(form, "attribute").channel.source.disabled).toEqual(stored.source.disabled);
  });
});

describe("mapping rows", () => {
  it("round-trip a mapping, leave out rows without a name and keep text across kinds", () => {
    const rows = [...mappingRows({ userName: "uid", title: { literal: true } }), { attr: " ", value: "cn" }];
    expect(mappingOf(rows)).toEqual({ userName: "uid", title: { literal: true } });
    const template = withMappingKind("givenName", "template");
    expect(template).toEqual({ template: "givenName" });
    expect(mappingText(withMappingText(template, "{givenName} {sn}"))).toBe("{givenName} {sn}");
    expect(mappingOf([{ attr: "x", value: withMappingKind("false", "literal") }])).toEqual({ x: { literal: false } });
    expect(mappingOf([{ attr: "x", value: withMappingTransform(" mail ", "lower") }])).toEqual({ x: { attribute: "mail", transform: "lower" } });
  });

  it("need userName", () => {
    expect(mappingHasUserName(mappingRows({ displayName: "cn" }))).toBe(false);
    expect(mappingHasUserName([{ attr: "userName", value: " " }])).toBe(false);
    expect(mappingHasUserName([{ attr: "userName", value: "uid" }])).toBe(true);
  });
});

describe("what else the form sends and reads", () => {
  it("tests the source with its mapping and the target alone, for the channel being edited", () => {
    const form = channelFormFrom(stored);
    expect(sourceTestBody(form, 3)).toMatchObject({ channelId: 3, config: { source: { url: stored.source.url, bindPassword: { keep: true } }, mapping: stored.mapping.user } });
    expect(targetTestBody(form, 3)).toEqual({ channelId: 3, config: { target: channelEditOf(form).target } });
  });

  it("reads number inputs, empty for the schema's default", () => {
    expect(numberFrom("12")).toBe(12);
    expect(numberFrom("")).toBeUndefined();
    expect(numberFrom("x")).toBeUndefined();
  });

  it("names the server's problems by the form's field paths", () => {
    expect(problemText("body.config.source.url: must be ldap://…\nbody.config.name: too short")).toBe("source.url: must be ldap://…\nname: too short");
  });

  it("files the server's problems under the form's field paths", () => {
    expect(issuesByField([{ path: "body.config.source.url", message: "must be ldap://…" }, { path: "source.bindPassword", message: "enter it again" }])).toEqual({
      "source.url": "must be ldap://…",
      "source.bindPassword": "enter it again",
    });
  });
});
