-- An administrator may reject held deprovisioning (lib/channels/decide-deprovisioning.ts):
-- the records the hold covers stay as they are at the target, keep the hold's id, and are
-- left out of every later count until they come back in the directory (the hold is then
-- resolved) or an administrator approves the rejected hold after all.
ALTER TYPE "HoldStatus" ADD VALUE 'REJECTED';
ALTER TABLE "deprovision_hold" ADD COLUMN "rejected_by" TEXT;
ALTER TABLE "deprovision_hold" ADD COLUMN "rejected_via" TEXT;
ALTER TABLE "deprovision_hold" ADD COLUMN "rejected_at" TIMESTAMP(3);
ALTER TABLE "deprovision_hold" ADD COLUMN "reject_reason" TEXT;
