-- Dirty records are read in id order a page at a time (the push, provmgr
-- --show-dirty-records, the console), "WHERE channel_id = $1 AND dirty AND id > $2
-- ORDER BY id LIMIT n". With the old (channel_id, dirty) index, statistics taken before
-- records became dirty in bulk (a failing target, a reset) led the planner to read and
-- sort every dirty row for every page: 20,000 dirty records listed in pages of 500
-- read 800,000 rows. An index in the pages' own order, holding only dirty rows, serves
-- each page with its own rows whatever the statistics say, and also serves the counts
-- and the clears of dirty records; it replaces the old one, so writes keep one index
-- for the dirty flag as before.
CREATE INDEX "user_record_dirty_idx" ON "user_record"("channel_id", "id") WHERE "dirty";
DROP INDEX "user_record_channel_id_dirty_idx";
CREATE INDEX "group_record_dirty_idx" ON "group_record"("channel_id", "id") WHERE "dirty";
DROP INDEX "group_record_channel_id_dirty_idx";
