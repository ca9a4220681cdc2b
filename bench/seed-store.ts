// `npm run bench -- --seed-store`: the store of a channel filled as if its first load had
// run, without sending anything — for sizes (a million users) whose first load against
// SCIMMY would take most of an hour. Every entry is read from the directory with Ferry's
// own reader, mapped and hashed with Ferry's own functions, and stored provisioned
// (ACTIVE at the target, clean, `scim_id` "seeded-…"), 5,000 rows per statement; the
// channel's timestamps and change-feed cookie are set as a completed full read sets them.
// The target holds none of it: what a seeded run measures is Ferry's read, decisions,
// store and console, never a push (the bench leaves out the steps that would send).
import { entryFingerprint } from "../lib/ldap/fingerprint.ts";
import pg from "pg";
import { readStoredChannel } from "../lib/channel-config/stored.ts";
import { getDb } from "../lib/db/index.ts";
import { changeFeedFor } from "../lib/ldap/change-feeds.ts";
import { Directory } from "../lib/ldap/directory.ts";
import { firstValue, groupAttributes, groupScopeFilter, guidOf, isDisabled, ldapTimeToMs, memberDnsOf, msToLdapTime, timestampOf, userAttributes, userScopeFilter } from "../lib/ldap/scope.ts";
import { evaluate, hashValues, mapEntry } from "../lib/mapping/map-entry.ts";
import { OVERLAP_MS } from "../lib/sync/read-users.ts";

const BATCH = 5_000;

export async function seedStore(channelId: number, databaseUrl: string): Promise<{ users: number; groups: number; ms: number }> {
  const t0 = performance.now();
  const db = await getDb();
  const row = await db.channel.findUniqueOrThrow({ where: { id: channelId } });
  const cfg = readStoredChannel(row);
  const source = cfg.source;
  const sql = new pg.Client({ connectionString: databaseUrl });
  await sql.connect();
  const dir = await Directory.open(source);
  try {
    const feed = changeFeedFor(source);
    const req = { dir, source, filter: userScopeFilter(source), attributes: userAttributes(source), since: null };
    const cookie = await feed.start(req);
    const group = source.groupDn ? await dir.read(source.groupDn, [source.groupChangeAttribute, source.timestampAttribute]) : null;
    const groupTs = group ? (firstValue(group, source.groupChangeAttribute) ?? timestampOf(group, source) ?? null) : null;

    let users = 0;
    let maxMs = 0;
    let batch: unknown[][] = [];
    const flushUsers = async () => {
      if (batch.length === 0) return;
      const cols = batch[0]!.map((_, i) => batch.map((r) => r[i]));
      batch = [];
      await sql.query(
        `INSERT INTO user_record (channel_id, guid, dn, provider_name, scim_id, values_hash, ldap_timestamp, source_state, target_state, dirty,
           pending_action, pushed_values, ldap_attributes, attrs_fp, last_synced_at)
         SELECT $1, u.guid, u.dn, u.provider_name, 'seeded-' || u.guid, u.hash, u.ts, u.state::"SourceState", u.target::"TargetState", false,
           'NONE', u.pushed::jsonb, u.attrs::jsonb, u.fp, now()
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
           AS u(guid, dn, provider_name, hash, ts, state, target, pushed, attrs, fp)
         ON CONFLICT (channel_id, guid) DO NOTHING`,
        [channelId, ...cols],
      );
    };
    for await (const entry of dir.search(source.baseDn, req.filter, req.attributes)) {
      const guid = guidOf(entry, source);
      if (!guid) continue;
      const ts = timestampOf(entry, source) ?? null;
      maxMs = Math.max(maxMs, ldapTimeToMs(ts));
      const values = mapEntry(entry, cfg.mapping.user);
      const disabled = isDisabled(entry, source);
      batch.push([
        guid,
        entry.dn,
        values.userName === undefined ? null : String(values.userName),
        hashValues(values),
        ts,
        disabled ? "DISABLED" : "IN_SCOPE",
        disabled ? "INACTIVE" : "ACTIVE",
        JSON.stringify({ ...values, active: !disabled }),
        JSON.stringify(entry.attrs),
        entryFingerprint(entry.dn, entry.attrs),
      ]);
      users++;
      if (batch.length >= BATCH) await flushUsers();
    }
    await flushUsers();

    let groups = 0;
    const filter = groupScopeFilter(source);
    if (filter && cfg.options.provisionGroups) {
      const rows: unknown[][] = [];
      for await (const entry of dir.search(source.groupBaseDn ?? source.baseDn, filter, groupAttributes(source, true))) {
        const guid = guidOf(entry, source);
        const name = evaluate(cfg.mapping.group.displayName, entry);
        if (!guid || name === undefined || name === "") continue;
        const members = memberDnsOf([...(entry.attrs[source.memberAttribute.toLowerCase()] ?? []), ...(entry.attrs.uniquemember ?? [])]).sort();
        const marker = firstValue(entry, source.groupChangeAttribute) ?? timestampOf(entry, source) ?? null;
        rows.push([guid, entry.dn, String(name), marker, JSON.stringify(members), JSON.stringify({ displayName: String(name) })]);
        groups++;
      }
      for (let i = 0; i < rows.length; i += 500) {
        const part = rows.slice(i, i + 500);
        await sql.query(
          `INSERT INTO group_record (channel_id, guid, dn, provider_name, scim_id, ldap_timestamp, member_dns, pushed_values, target_state, resync_members, last_synced_at)
           SELECT $1, g.guid, g.dn, g.name, 'seeded-' || g.guid, g.marker, ARRAY(SELECT jsonb_array_elements_text(g.members::jsonb)), g.pushed::jsonb, 'ACTIVE', false, now()
           FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[]) AS g(guid, dn, name, marker, members, pushed)
           ON CONFLICT (channel_id, guid) DO NOTHING`,
          [channelId, ...part[0]!.map((_, k) => part.map((r) => r[k]))],
        );
      }
    }

    // as a completed full read leaves the channel (lib/sync/run-cycle.ts)
    const now = new Date();
    await db.channel.update({
      where: { id: channelId },
      data: {
        groupTimestamp: groupTs,
        attributeSyncTimestamp: msToLdapTime(Math.max(Math.min(maxMs, Date.now()) - OVERLAP_MS, 1000), source),
        changeFeed: feed.kind,
        changeCookie: cookie || null,
        lastFullSyncAt: now,
        lastTargetReconcileAt: now,
      },
    });
    await sql.query("ANALYZE user_record; ANALYZE group_record");
    return { users, groups, ms: performance.now() - t0 };
  } finally {
    await dir.close();
    await sql.end();
  }
}
