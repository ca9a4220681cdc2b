-- A scheduled cycle of a channel whose directory did not change since its last clean
-- cycle is left out (lib/sync/quiet-poll.ts): the worker only looks at the directory's
-- change marker and the store. poll_marker: the directory's marker (taken before the
-- last clean cycle's read) with the channel's settings; null after a cycle that did not
-- end SUCCESS, so the next one always runs. last_polled_at: when a look last found
-- nothing to do (shown as "last checked").
ALTER TABLE channel ADD COLUMN poll_marker TEXT;
ALTER TABLE channel ADD COLUMN last_polled_at TIMESTAMP(3);
