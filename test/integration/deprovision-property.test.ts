// Property: whatever happens to the directory, no cycle deprovisions more users than the
// channel's guard allows without an approval — and once the directory is put back,
// everyone is provisioned again. Random sequences (fast-check, fixed seed, bounded
// count) of the changes that have emptied scopes in the field: the provisioning group
// emptied or replaced, members removed, a filter that matches nothing, mass timestamp
// bumps, users disabled, the bind account losing its read rights, the base DN renamed.
// Each change is followed by two cycles (a held decision must not leak out through the
// next, incremental, cycle). Real slapd with memberof and refint, real SCIMMY, real
// PostgreSQL; no approval is ever given here.
import fc from "fast-check";
import { afterAll, beforeAll, expect, it } from "vitest";
import { allowedWithoutApproval } from "../../lib/sync/deprovision-guard.ts";
import { startWorld, type TWorld } from "../helpers/fixture.ts";

const USERS = 16;
const LIMITS = { maxDeprovisionPercent: 25, deprovisionGuardMinimum: 2 };
let w: TWorld;
let group: string;
const dns: string[] = [];
let peopleDn: string;
let renamed = false;

beforeAll(async () => {
  w = await startWorld({
    target: "scimmy",
    configure: (c) => {
      Object.assign(c.options, LIMITS);
      c.options.provisionGroups = false;
    },
  });
  group = `cn=app-users,${w.slapd.groupsDn}`;
  peopleDn = w.slapd.peopleDn;
  for (let i = 0; i < USERS; i++) dns.push(await w.slapd.addUser({ uid: `p${i}`, givenName: "P", sn: `${i}`, mail: `p${i}@example.com` }));
  await w.slapd.addMembers(group, dns);
  expect((await w.cycle()).status).toBe("SUCCESS");
});
afterAll(() => w?.stop());

const scopeByGroup = () => (c: Record<string, any>) => {
  delete c.source.filter;
  c.source.groupDn = group;
  c.source.bindDn = w.slapd.adminDn;
  c.source.bindPassword = w.slapd.adminPassword;
};

type TStep = { name: string; run: () => Promise<void> };
/** a user's DN now: under ou=staff while the base DN is renamed */
const cur = (dn: string) => (renamed ? dn.replace(peopleDn, `ou=staff,${w.slapd.baseDn}`) : dn);
const pick = (idx: number[]) => idx.map((i) => cur(dns[i]!));
const all = () => dns.map(cur);

const step = {
  emptyGroup: fc.constant<TStep>({ name: "empty the group (replace: member)", run: () => w.slapd.modify(group, { member: "cn=nobody,dc=example,dc=com" }) }),
  replaceGroup: fc.uniqueArray(fc.integer({ min: 0, max: USERS - 1 }), { minLength: 1, maxLength: USERS }).map<TStep>((idx) => ({
    name: `replace the group's members with ${idx.length}`,
    run: () => w.slapd.modify(group, { member: pick(idx) }),
  })),
  removeSome: fc.uniqueArray(fc.integer({ min: 0, max: USERS - 1 }), { minLength: 1, maxLength: 8 }).map<TStep>((idx) => ({
    name: `remove ${idx.length} member(s)`,
    run: async () => {
      // a member already removed by an earlier step is not an error here
      for (const dn of pick(idx)) await w.slapd.removeMembers(group, [dn]).catch(() => undefined);
    },
  })),
  putBack: fc.constant<TStep>({ name: "put every member back", run: () => w.slapd.modify(group, { member: all() }) }),
  filterNothing: fc.constant<TStep>({
    name: "scope by a filter that matches nothing",
    run: () =>
      w.reconfigure((c) => {
        delete c.source.groupDn;
        c.source.filter = "(employeeType=nobody-has-this)";
      }),
  }),
  scopeBack: fc.constant<TStep>({ name: "scope by the group again", run: () => w.reconfigure(scopeByGroup()) }),
  bumpAll: fc.string({ minLength: 1, maxLength: 8 }).map<TStep>((v) => ({
    name: "touch every user (a mass timestamp bump)",
    run: async () => {
      for (const dn of all()) await w.slapd.modify(dn, { description: `touched ${v}` });
    },
  })),
  disableSome: fc.uniqueArray(fc.integer({ min: 0, max: USERS - 1 }), { minLength: 1, maxLength: USERS }).map<TStep>((idx) => ({
    name: `disable ${idx.length} user(s) in the directory`,
    run: async () => {
      for (const dn of pick(idx)) await w.slapd.modify(dn, { employeeType: "disabled" });
    },
  })),
  enableAll: fc.constant<TStep>({
    name: "enable everyone",
    run: async () => {
      for (const dn of all()) await w.slapd.modify(dn, { employeeType: null });
    },
  }),
  loseRights: fc.constant<TStep>({
    name: "bind with an account that lost its read rights on people",
    run: () =>
      w.reconfigure((c) => {
        c.source.bindDn = w.slapd.blindDn;
        c.source.bindPassword = w.slapd.readerPassword;
      }),
  }),
  renameBase: fc.constant<TStep>({
    name: "rename the base DN (ou=people -> ou=staff)",
    run: async () => {
      if (renamed) return;
      await w.slapd.rename(peopleDn, "ou=staff");
      renamed = true;
    },
  }),
  renameBack: fc.constant<TStep>({
    name: "rename the base DN back",
    run: async () => {
      if (!renamed) return;
      await w.slapd.rename(`ou=staff,${w.slapd.baseDn}`, "ou=people");
      renamed = false;
    },
  }),
};

async function activeNames(): Promise<Set<string>> {
  return new Set((await w.scim.listUsers()).filter((u) => u.active).map((u) => u.userName));
}

/** The directory and the channel as they were at the start, and the target caught up. */
async function restore(): Promise<void> {
  if (renamed) {
    await w.slapd.rename(`ou=staff,${w.slapd.baseDn}`, "ou=people");
    renamed = false;
  }
  await w.reconfigure(scopeByGroup());
  for (const dn of dns) await w.slapd.modify(dn, { employeeType: null });
  await w.slapd.modify(group, { member: dns });
  for (let i = 0; i < 3; i++) await w.cycle();
}

it("no sequence of directory changes deprovisions more than the guard allows, and putting the directory back brings everyone back", async () => {
  const anyStep = fc.oneof(...Object.values(step));
  await fc.assert(
    fc.asyncProperty(fc.array(anyStep, { minLength: 1, maxLength: 6 }), async (steps) => {
      await restore();
      const log: string[] = [];
      for (const s of steps) {
        await s.run();
        for (let c = 0; c < 2; c++) {
          const before = await activeNames();
          const r = await w.cycle();
          const after = await activeNames();
          const lost = [...before].filter((n) => !after.has(n)).length;
          log.push(`${s.name} / cycle ${c + 1}: ${r.status} ${r.message} (lost ${lost} of ${before.size})`);
          if (lost > allowedWithoutApproval(before.size, LIMITS)) {
            throw new Error(`deprovisioned ${lost} of ${before.size} without an approval:\n${log.join("\n")}`);
          }
        }
      }
      await restore();
      const back = await activeNames();
      if (back.size !== USERS) throw new Error(`after putting the directory back only ${back.size} of ${USERS} are active:\n${log.join("\n")}`);
    }),
    { seed: 20261129, numRuns: 12, endOnFailure: true },
  );
}, 600_000);
