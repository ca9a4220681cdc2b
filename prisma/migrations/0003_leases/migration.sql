-- Channel leases with fencing tokens (one node runs a channel's cycle at a time), and
-- nodes declared dead by their peers.
ALTER TABLE "channel" ADD COLUMN "lease_owner" INTEGER;
ALTER TABLE "channel" ADD COLUMN "lease_token" BIGINT NOT NULL DEFAULT 0;
ALTER TABLE "channel" ADD COLUMN "lease_expires_at" TIMESTAMP(3);
ALTER TABLE "node" ADD COLUMN "declared_dead_by" INTEGER;
ALTER TABLE "node" ADD COLUMN "declared_dead_at" TIMESTAMP(3);
