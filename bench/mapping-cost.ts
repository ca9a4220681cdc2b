// What mapping costs per user, in process (no directory, no target): the same entries —
// shaped as the benchmark's generated directory's, with a few multi-valued attributes —
// mapped with plain attribute values, and with a mapping of expressions (string
// functions, a regular expression, a lookup, a date, list macros). The read of a cycle
// maps every entry it reads, so this is the share of a full read's CPU the mapping takes.
import { performance } from "node:perf_hooks";
import type { TMapping } from "../lib/channel-config/config.ts";
import { hashValues, mapEntry } from "../lib/mapping/map-entry.ts";
import type { TLdapEntry } from "../lib/ldap/directory.ts";

const ENT = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const PLAIN: TMapping = {
  userName: "uid",
  "name.givenName": "givenName",
  "name.familyName": "sn",
  displayName: "cn",
  "emails.work": "mail",
  externalId: "entryUUID",
  [`${ENT}:employeeNumber`]: "employeeNumber",
};

const EXPRESSIONS: TMapping = {
  userName: { expression: 'lower(normalizeDiacritics(attr("uid")))' },
  "name.givenName": { expression: 'trim(attr("givenName"))' },
  "name.familyName": { expression: 'upper(attr("sn"))' },
  displayName: { expression: 'coalesce(attr("displayName"), join([attr("givenName"), attr("sn")], " "))' },
  "emails.work": { expression: 'attrs("proxyAddresses").filter(p, lower(p).startsWith("smtp:")).map(p, lower(substring(p, 5, 320)))' },
  "phoneNumbers.work": { expression: 'attrs("telephoneNumber").map(p, regexReplace(p, "[^0-9+]", ""))' },
  title: { expression: 'regexMatch(attr("employeeType"), "^(?i)contractor$") ? "Contractor" : "Employee"' },
  externalId: "entryUUID",
  [`${ENT}:department`]: { expression: 'lookup({"staff": "Operations", "contractor": "Projects"}, attr("employeeType"), "Other")' },
  [`${ENT}:employeeNumber`]: { expression: 'formatDate(generalizedTime(attr("createTimestamp")), "yyyy") + "-" + attr("employeeNumber")' },
};

function entries(n: number): TLdapEntry[] {
  const out: TLdapEntry[] = [];
  for (let i = 0; i < n; i++) {
    const uid = `user${i}`;
    out.push({
      dn: `uid=${uid},ou=people,dc=example,dc=com`,
      attrs: {
        uid: [uid],
        givenname: ["Zoë"],
        sn: [`Person${i}`],
        cn: [`Zoë Person${i}`],
        mail: [`${uid}@example.com`],
        proxyaddresses: [`SMTP:${uid}@example.com`, `smtp:${uid}@example.org`, `X500:/o=Example/cn=${uid}`],
        telephonenumber: ["+33 1 23 45 67 89"],
        employeetype: [i % 3 === 0 ? "contractor" : "staff"],
        employeenumber: [String(i + 1)],
        entryuuid: [`00000000-0000-4000-8000-${String(i).padStart(12, "0")}`],
        createtimestamp: ["20240131120000Z"],
      },
    });
  }
  return out;
}

function timeMapping(list: TLdapEntry[], mapping: TMapping): number {
  for (const e of list.slice(0, 1000)) hashValues(mapEntry(e, mapping)); // compiled and warmed once
  const t0 = performance.now();
  for (const e of list) hashValues(mapEntry(e, mapping));
  return performance.now() - t0;
}

/** Milliseconds to map (and hash, as the read does) `users` entries, plain and with expressions. */
export function measureMappingCost(users: number): { users: number; plainMs: number; expressionsMs: number; expressions: number } {
  const list = entries(users);
  const plainMs = timeMapping(list, PLAIN);
  const expressionsMs = timeMapping(list, EXPRESSIONS);
  return { users, plainMs, expressionsMs, expressions: Object.values(EXPRESSIONS).filter((v) => typeof v === "object" && "expression" in v).length };
}
