-- Two channels sending to one SCIM target must never both hold one target group or user:
-- each would overwrite the other's members (or attributes and `active`) every cycle. A
-- channel refuses to link a target resource another channel at the same target holds
-- (lib/records/target-claims.ts): held means the other channel's record carries its
-- scim_id, or the other channel claimed it here for a link still under way (so two
-- channels linking one group at the same moment cannot both win). A claim is only
-- taken when another channel shares the target; a stale one (its record gone, linked
-- elsewhere, or no longer waiting) is taken over.
CREATE TABLE "target_claim" (
  "target" TEXT NOT NULL,
  "kind" TEXT NOT NULL,
  "scim_id" TEXT NOT NULL,
  "channel_id" INTEGER NOT NULL REFERENCES "channel"("id") ON DELETE CASCADE,
  "record_id" BIGINT NOT NULL,
  "claimed_at" TIMESTAMPTZ(3) NOT NULL DEFAULT now(),
  PRIMARY KEY ("target", "kind", "scim_id")
);
CREATE INDEX "target_claim_channel_id_idx" ON "target_claim" ("channel_id");
