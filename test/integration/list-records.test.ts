// The console's users and groups lists at 100,000 records: keyset pages that cover every
// record exactly once (named records by name, then the unnamed ones), search by name,
// DN, GUID and SCIM id, state filters, and a deep page that costs what the first does.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { applyChannelConfig } from "../../lib/channels/apply-channel-config.ts";
import { listRecords, ZRecordCursor, type TRecordCursor } from "../../lib/channels/list-records.ts";
import { getDb } from "../../lib/db/index.ts";
import { useTestDatabase } from "../../devkit/test-database.ts";

const N = 100_000;
let db: Awaited<ReturnType<typeof useTestDatabase>>;
let channelId: number;

beforeAll(async () => {
  db = await useTestDatabase();
  const r = await applyChannelConfig({
    actor: "test",
    via: "test",
    config: {
      name: "big",
      connectionId: "big",
      active: false,
      source: { url: "ldap://127.0.0.1:1", bindDn: "cn=admin,dc=example,dc=com", bindPassword: "x", baseDn: "dc=example,dc=com", filter: "(objectClass=person)" },
      target: { url: "http://127.0.0.1:1/scim/v2", auth: { type: "bearer", token: "x" } },
    },
  });
  channelId = r.id;
  const prisma = await getDb();
  // every 1,000th user has no provider name yet; every 500th failed its last push; every 10th is disabled at the target
  await prisma.$executeRawUnsafe(
    `INSERT INTO user_record (channel_id, guid, dn, provider_name, scim_id, target_state, dirty, last_error)
     SELECT $1, md5(i::text)::uuid::text, 'uid=user' || lpad(i::text, 6, '0') || ',ou=people,dc=example,dc=com',
            CASE WHEN i % 1000 = 0 THEN NULL ELSE 'user' || lpad(i::text, 6, '0') END,
            'scim-' || i,
            CASE WHEN i % 10 = 0 THEN 'INACTIVE'::"TargetState" ELSE 'ACTIVE'::"TargetState" END,
            i % 500 = 0, CASE WHEN i % 500 = 0 THEN 'boom ' || i END
       FROM generate_series(1, ${N}) i`,
    channelId,
  );
  await prisma.$executeRawUnsafe(`ANALYZE user_record`);
}, 120_000);

afterAll(async () => {
  await db?.cleanup();
});

describe("listRecords at 100,000 users", () => {
  it("pages through a state filter covering each record once, named ones by name and then the unnamed", async () => {
    const seen: string[] = [];
    let after: TRecordCursor | undefined;
    let pages = 0;
    do {
      const page = await listRecords({ channelId, kind: "user", state: "inactive", after, limit: 500 });
      expect(page.total).toBe(N / 10);
      seen.push(...page.items.map((r) => r.providerName ?? `(unnamed ${r.id})`));
      // as the API reads the token it gave out
      after = page.nextCursor ? ZRecordCursor.parse(page.nextCursor) : undefined;
      pages++;
    } while (after);
    expect(pages).toBe(20);
    expect(seen).toHaveLength(N / 10);
    expect(new Set(seen).size).toBe(N / 10);
    const named = seen.filter((s) => !s.startsWith("(unnamed"));
    expect(named).toEqual([...named].sort());
    expect(seen.slice(named.length).every((s) => s.startsWith("(unnamed"))).toBe(true);
    expect(named).toHaveLength(N / 10 - N / 1000);
  });

  it("finds by part of a name, a DN, a GUID or an exact SCIM id", async () => {
    expect((await listRecords({ channelId, kind: "user", q: "user04242" })).items.map((r) => r.providerName)).toEqual(
      Array.from({ length: 10 }, (_, i) => `user04242${i}`),
    );
    expect((await listRecords({ channelId, kind: "user", q: "UID=USER012345," })).items.map((r) => r.providerName)).toEqual(["user012345"]);
    const one = (await listRecords({ channelId, kind: "user", q: "scim-77" })).items;
    expect(one.map((r) => r.scimId)).toEqual(["scim-77"]);
    const guid = one[0]!.guid;
    expect((await listRecords({ channelId, kind: "user", q: guid.toUpperCase() })).items.map((r) => r.scimId)).toEqual(["scim-77"]);
    expect((await listRecords({ channelId, kind: "user", q: "no such person" })).total).toBe(0);
  });

  it("lists the failing and the dirty with their errors", async () => {
    const failing = await listRecords({ channelId, kind: "user", state: "failing", limit: 500 });
    expect(failing.total).toBe(N / 500);
    expect(failing.items.every((r) => r.lastError?.startsWith("boom "))).toBe(true);
    expect((await listRecords({ channelId, kind: "user", state: "dirty" })).total).toBe(N / 500);
  });

  it("serves a page deep in the list as fast as the first", async () => {
    const time = async (fn: () => Promise<unknown>) => {
      const t0 = performance.now();
      await fn();
      return performance.now() - t0;
    };
    // a cursor 90% of the way down, as the 1,800th page's "next" would give
    const deep: TRecordCursor = { n: "user090000", i: 90_000n };
    await listRecords({ channelId, kind: "user", after: deep }); // warm up
    const first = await time(() => listRecords({ channelId, kind: "user" }));
    const later = await time(() => listRecords({ channelId, kind: "user", after: deep }));
    const page = await listRecords({ channelId, kind: "user", after: deep, limit: 3 });
    expect(page.items.map((r) => r.providerName)).toEqual(["user090001", "user090002", "user090003"]);
    // both include counting the 100,000 records; generous bounds for a busy CI machine
    expect(first).toBeLessThan(1_000);
    expect(later).toBeLessThan(1_000);
    console.log(`listRecords at ${N} users: first page ${first.toFixed(0)} ms, page at 90% ${later.toFixed(0)} ms`);
  });
});
