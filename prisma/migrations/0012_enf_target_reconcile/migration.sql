-- A full reconciliation reads the target's users a page at a time and finds each page's
-- records by their SCIM id ("WHERE channel_id = $1 AND scim_id = ANY($2)"): without an
-- index every page would scan the channel's records (100,000 users in pages of 200:
-- 500 scans). Records not at the target have no SCIM id and stay out of the index.
CREATE INDEX "user_record_scim_id_idx" ON "user_record"("channel_id", "scim_id") WHERE "scim_id" IS NOT NULL;

-- When a full reconciliation last read the target back for drift (lib/sync/enforce-target.ts).
-- Kept apart from last_full_sync_at: a directory whose provisioning group changes often
-- makes many full reads, each of which would otherwise postpone the target's read for ever.
ALTER TABLE "channel" ADD COLUMN "last_target_reconcile_at" TIMESTAMP(3);
