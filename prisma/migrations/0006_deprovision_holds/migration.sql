-- Deprovisioning that the guard held for approval (lib/sync/deprovision.ts). At most one
-- open hold (HELD or APPROVED) per channel and record kind; the records it covers carry
-- its id, so an approval releases exactly the set the administrator reviewed.
CREATE TYPE "HoldStatus" AS ENUM ('HELD', 'APPROVED', 'RELEASED', 'RESOLVED');

CREATE TABLE "deprovision_hold" (
  "id" BIGSERIAL PRIMARY KEY,
  "channel_id" INTEGER NOT NULL REFERENCES "channel"("id") ON DELETE CASCADE,
  -- 'users' or 'groups'
  "kind" TEXT NOT NULL,
  "status" "HoldStatus" NOT NULL DEFAULT 'HELD',
  -- which rule held it: 'empty-scope' or 'percent'
  "rule" TEXT NOT NULL,
  "reason" TEXT NOT NULL,
  -- records held, and the records at the target the percentage was taken of
  "count" INTEGER NOT NULL,
  "base" INTEGER NOT NULL,
  "cycle_id" BIGINT,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "checked_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "approved_by" TEXT,
  "approved_via" TEXT,
  "approved_at" TIMESTAMP(3),
  "closed_at" TIMESTAMP(3),
  "outcome" TEXT
);
CREATE UNIQUE INDEX "deprovision_hold_open_key" ON "deprovision_hold"("channel_id", "kind") WHERE "status" IN ('HELD', 'APPROVED');
CREATE INDEX "deprovision_hold_channel_id_created_at_idx" ON "deprovision_hold"("channel_id", "created_at");

ALTER TABLE "user_record" ADD COLUMN "hold_id" BIGINT;
ALTER TABLE "group_record" ADD COLUMN "hold_id" BIGINT;
CREATE INDEX "user_record_hold_id_idx" ON "user_record"("hold_id") WHERE "hold_id" IS NOT NULL;
CREATE INDEX "group_record_hold_id_idx" ON "group_record"("hold_id") WHERE "hold_id" IS NOT NULL;
-- the guard counts records the directory no longer has in scope but the target still holds
-- on every cycle: this keeps that count off a scan of the channel's records
CREATE INDEX "user_record_gone_idx" ON "user_record"("channel_id") WHERE "source_state" <> 'IN_SCOPE' AND "target_state" <> 'ABSENT';
CREATE INDEX "group_record_gone_idx" ON "group_record"("channel_id") WHERE "source_state" <> 'IN_SCOPE' AND "target_state" <> 'ABSENT';
