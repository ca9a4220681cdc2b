-- Issue 15. What a target takes, learned (a group write the target refused for its size
-- was split; the size that went through is kept), and the target's inventory: its users
-- and groups listed in pages, matched in SQL on a first load and shown as unmanaged
-- accounts when no record is linked to them. Not in schema.prisma: read and written with
-- SQL only (lib/records/target-inventory.ts), like provisioning_log.
ALTER TABLE "channel" ADD COLUMN "members_per_patch_learned" INTEGER;
ALTER TABLE "channel" ADD COLUMN "inventory_taken_at" TIMESTAMP(3);

CREATE TABLE "target_inventory" (
    "channel_id" INTEGER NOT NULL REFERENCES "channel"("id") ON DELETE CASCADE,
    -- 'user' or 'group'
    "kind" TEXT NOT NULL,
    "scim_id" TEXT NOT NULL,
    -- userName of a user, displayName of a group
    "name" TEXT NOT NULL,
    "external_id" TEXT,
    -- a user's e-mail addresses, lower case
    "emails" TEXT[] NOT NULL DEFAULT '{}',
    "active" BOOLEAN,
    -- the inventory that last saw it; rows an inventory did not see are removed at its end
    "seen_at" TIMESTAMP(3) NOT NULL,
    -- an admin said: leave it, do not list it as unmanaged
    "ignored_at" TIMESTAMP(3),
    "ignored_by" TEXT,
    -- an admin said: this account is the directory user with this GUID (linked at its next push)
    "adopted_guid" TEXT,
    "adopted_by" TEXT,
    CONSTRAINT "target_inventory_pkey" PRIMARY KEY ("channel_id", "kind", "scim_id")
);
CREATE INDEX "target_inventory_name_idx" ON "target_inventory" ("channel_id", "kind", lower("name"));
CREATE INDEX "target_inventory_external_id_idx" ON "target_inventory" ("channel_id", "kind", "external_id") WHERE "external_id" IS NOT NULL;
CREATE INDEX "target_inventory_adopted_idx" ON "target_inventory" ("channel_id", "adopted_guid") WHERE "adopted_guid" IS NOT NULL;
CREATE INDEX "target_inventory_emails_idx" ON "target_inventory" USING GIN ("emails");
-- the unmanaged list asks, for each inventory group, whether a group record is linked to it
CREATE INDEX "group_record_scim_id_idx" ON "group_record" ("channel_id", "scim_id") WHERE "scim_id" IS NOT NULL;
