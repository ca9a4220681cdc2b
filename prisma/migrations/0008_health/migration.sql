-- A channel's health (lib/health/channel-health.ts): the last cycle's verdict, failing cycles
-- in a row, quarantine, and the health last stored (for alerts on a change); records
-- the target keeps refusing wait until next_attempt_at before they are tried again.
ALTER TABLE "channel" ADD COLUMN "last_cycle_verdict" TEXT;
ALTER TABLE "channel" ADD COLUMN "failing_cycles" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "channel" ADD COLUMN "quarantine_until" TIMESTAMP(3);
ALTER TABLE "channel" ADD COLUMN "quarantine_level" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "channel" ADD COLUMN "quarantine_reason" TEXT;
ALTER TABLE "channel" ADD COLUMN "health" TEXT;
ALTER TABLE "channel" ADD COLUMN "health_reason" TEXT;
ALTER TABLE "channel" ADD COLUMN "health_since" TIMESTAMP(3);
ALTER TABLE "user_record" ADD COLUMN "next_attempt_at" TIMESTAMP(3);
ALTER TABLE "group_record" ADD COLUMN "next_attempt_at" TIMESTAMP(3);
