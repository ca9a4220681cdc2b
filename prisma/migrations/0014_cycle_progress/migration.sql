-- A running cycle's progress (lib/sync/progress.ts): its phase, what it read and pushed,
-- what is left, the rate and the time left, written every two seconds while it runs.
ALTER TABLE "cycle" ADD COLUMN "progress" JSONB;
