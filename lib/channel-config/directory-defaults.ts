// What each directory type fills in when a channel leaves it out: the GUID, timestamp
// and change-marker attributes, what a user entry is, how a disabled user is told, and
// the default mapping. Applied when a channel is resolved (resolve.ts); the console's
// form shows them as placeholders. Browser-safe.
import type { TDirectoryType, TDisabledRule, TMapping, TNestedGroups } from "./config.ts";

/** inetOrgPerson directories (OpenLDAP, 389-DS, most others): uid, givenName, sn, mail, cn */
const INET_ORG_PERSON_MAPPING: TMapping = {
  userName: "uid",
  "name.givenName": "givenName",
  "name.familyName": "sn",
  "emails.work": "mail",
  displayName: "cn",
};

export const DIRECTORY_DEFAULTS: Record<
  TDirectoryType,
  { guid: string; timestamp: string; groupChange: string; userObjectFilter: string; disabled: TDisabledRule; mapping: TMapping }
> = {
  openldap: {
    guid: "entryUUID",
    timestamp: "modifyTimestamp",
    // microsecond change sequence number: two edits within one second still differ
    groupChange: "entryCSN",
    userObjectFilter: "(objectClass=inetOrgPerson)",
    disabled: { kind: "none" },
    mapping: INET_ORG_PERSON_MAPPING,
  },
  "active-directory": {
    guid: "objectGUID",
    timestamp: "whenChanged",
    groupChange: "uSNChanged",
    userObjectFilter: "(&(objectCategory=person)(objectClass=user))",
    disabled: { kind: "ad-uac" },
    mapping: {
      userName: "sAMAccountName",
      "name.givenName": "givenName",
      "name.familyName": "sn",
      "emails.work": "mail",
      displayName: "displayName",
    },
  },
  "389ds": {
    guid: "nsUniqueId",
    timestamp: "modifyTimestamp",
    // the entry USN plugin's counter: every write moves it, two within one second too (389-DS
    // has no entryCSN without replication). Where the plugin is off the entry carries none and
    // the group's modifyTimestamp is used instead (read-groups.ts, read-users.ts)
    groupChange: "entryUSN",
    userObjectFilter: "(objectClass=inetOrgPerson)",
    disabled: { kind: "attribute", attribute: "nsAccountLock", value: "true" },
    mapping: INET_ORG_PERSON_MAPPING,
  },
  generic: {
    guid: "entryUUID",
    timestamp: "modifyTimestamp",
    groupChange: "modifyTimestamp",
    userObjectFilter: "(objectClass=person)",
    disabled: { kind: "none" },
    mapping: INET_ORG_PERSON_MAPPING,
  },
};

/**
 * options.nestedGroups when a channel leaves it out: Active Directory admins nest groups
 * as a matter of course and most SaaS targets know no nested groups, so AD flattens;
 * the other directories keep the direct members (what Ferry did before the option).
 */
export function nestedGroupsFor(given: TNestedGroups | undefined, directoryType: TDirectoryType): TNestedGroups {
  return given ?? (directoryType === "active-directory" ? "flatten" : "direct");
}
