-- The channel list (lib/channels/list-channels.ts) counted each channel's users, dirty
-- users, groups and dirty groups with count(*): 130-200 ms at a million user records of
-- one channel, and the list's p95 was 182-348 ms (issue 17). The counts are kept instead:
-- statement-level triggers with transition tables add, in the same transaction as the
-- write, one row of differences per channel a statement changed (its cost is one pass
-- over the statement's changed rows, never one trigger call per row). The list sums a
-- channel's rows; each cycle's end folds them into one (compact_channel_record_count).
-- Rows are only ever inserted by writers, so two transactions never wait on one counter
-- row. Every writer is covered, whatever it is: the read, the push, mark-gone, resets,
-- deletes, provision on demand, a channel's delete (its rows cascade with it).
CREATE TABLE "channel_record_count" (
  "id" BIGSERIAL PRIMARY KEY,
  "channel_id" INTEGER NOT NULL REFERENCES "channel"("id") ON DELETE CASCADE,
  "users" BIGINT NOT NULL DEFAULT 0,
  "dirty_users" BIGINT NOT NULL DEFAULT 0,
  "groups" BIGINT NOT NULL DEFAULT 0,
  "dirty_groups" BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX "channel_record_count_channel_id_idx" ON "channel_record_count" ("channel_id");

-- One function for both tables and the three events: TG_TABLE_NAME picks the columns,
-- TG_OP the transition tables. A channel being deleted (the cascade of its delete) no
-- longer exists for the statement: nothing is added for it.
CREATE FUNCTION "count_records"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_TABLE_NAME = 'user_record' THEN
    IF TG_OP = 'INSERT' THEN
      INSERT INTO channel_record_count (channel_id, users, dirty_users)
      SELECT s.channel_id, s.n, s.d FROM (SELECT channel_id, count(*) AS n, count(*) FILTER (WHERE dirty) AS d FROM new_rows GROUP BY channel_id) s
      WHERE EXISTS (SELECT 1 FROM channel c WHERE c.id = s.channel_id);
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO channel_record_count (channel_id, users, dirty_users)
      SELECT s.channel_id, s.n, s.d FROM (
        SELECT channel_id, sum(n) AS n, sum(d) AS d FROM (
          SELECT channel_id, 1 AS n, dirty::int AS d FROM new_rows UNION ALL SELECT channel_id, -1, -(dirty::int) FROM old_rows) x
        GROUP BY channel_id) s
      WHERE (s.n <> 0 OR s.d <> 0) AND EXISTS (SELECT 1 FROM channel c WHERE c.id = s.channel_id);
    ELSE
      INSERT INTO channel_record_count (channel_id, users, dirty_users)
      SELECT s.channel_id, -s.n, -s.d FROM (SELECT channel_id, count(*) AS n, count(*) FILTER (WHERE dirty) AS d FROM old_rows GROUP BY channel_id) s
      WHERE EXISTS (SELECT 1 FROM channel c WHERE c.id = s.channel_id);
    END IF;
  ELSE
    IF TG_OP = 'INSERT' THEN
      INSERT INTO channel_record_count (channel_id, "groups", dirty_groups)
      SELECT s.channel_id, s.n, s.d FROM (SELECT channel_id, count(*) AS n, count(*) FILTER (WHERE dirty) AS d FROM new_rows GROUP BY channel_id) s
      WHERE EXISTS (SELECT 1 FROM channel c WHERE c.id = s.channel_id);
    ELSIF TG_OP = 'UPDATE' THEN
      INSERT INTO channel_record_count (channel_id, "groups", dirty_groups)
      SELECT s.channel_id, s.n, s.d FROM (
        SELECT channel_id, sum(n) AS n, sum(d) AS d FROM (
          SELECT channel_id, 1 AS n, dirty::int AS d FROM new_rows UNION ALL SELECT channel_id, -1, -(dirty::int) FROM old_rows) x
        GROUP BY channel_id) s
      WHERE (s.n <> 0 OR s.d <> 0) AND EXISTS (SELECT 1 FROM channel c WHERE c.id = s.channel_id);
    ELSE
      INSERT INTO channel_record_count (channel_id, "groups", dirty_groups)
      SELECT s.channel_id, -s.n, -s.d FROM (SELECT channel_id, count(*) AS n, count(*) FILTER (WHERE dirty) AS d FROM old_rows GROUP BY channel_id) s
      WHERE EXISTS (SELECT 1 FROM channel c WHERE c.id = s.channel_id);
    END IF;
  END IF;
  RETURN NULL;
END
$$;

-- transition tables allow one event per trigger: three per table
CREATE TRIGGER "user_record_count_insert" AFTER INSERT ON "user_record" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_records"();
CREATE TRIGGER "user_record_count_update" AFTER UPDATE ON "user_record" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_records"();
CREATE TRIGGER "user_record_count_delete" AFTER DELETE ON "user_record" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_records"();
CREATE TRIGGER "group_record_count_insert" AFTER INSERT ON "group_record" REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_records"();
CREATE TRIGGER "group_record_count_update" AFTER UPDATE ON "group_record" REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_records"();
CREATE TRIGGER "group_record_count_delete" AFTER DELETE ON "group_record" REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION "count_records"();

-- A channel's rows folded into one: each deleted row is summed once, whatever runs at
-- the same time (a row inserted meanwhile is not seen by the delete, and stays).
CREATE FUNCTION "compact_channel_record_count"(ch INTEGER) RETURNS void LANGUAGE sql AS $$
  WITH d AS (DELETE FROM channel_record_count WHERE channel_id = ch RETURNING users, dirty_users, "groups", dirty_groups)
  INSERT INTO channel_record_count (channel_id, users, dirty_users, "groups", dirty_groups)
  SELECT ch, sum(users), sum(dirty_users), sum("groups"), sum(dirty_groups) FROM d HAVING count(*) > 0
    AND EXISTS (SELECT 1 FROM channel WHERE id = ch);
$$;

-- the records already stored (in the same transaction as the triggers: nothing is counted twice or missed)
LOCK TABLE "user_record", "group_record" IN SHARE MODE;
INSERT INTO "channel_record_count" (channel_id, users, dirty_users)
  SELECT channel_id, count(*), count(*) FILTER (WHERE dirty) FROM "user_record" GROUP BY channel_id;
INSERT INTO "channel_record_count" (channel_id, "groups", dirty_groups)
  SELECT channel_id, count(*), count(*) FILTER (WHERE dirty) FROM "group_record" GROUP BY channel_id;
