-- Ferry store, version 1. Mirrors prisma/schema.prisma.
CREATE TYPE "NodeMode" AS ENUM ('ACTIVE', 'FAILOVER');
CREATE TYPE "RecordAction" AS ENUM ('NONE', 'CREATE', 'UPDATE', 'ENABLE', 'DISABLE', 'DELETE');
CREATE TYPE "TargetState" AS ENUM ('ABSENT', 'ACTIVE', 'INACTIVE');
CREATE TYPE "SourceState" AS ENUM ('IN_SCOPE', 'DISABLED', 'OUT_OF_SCOPE', 'DELETED');
CREATE TYPE "CycleStatus" AS ENUM ('RUNNING', 'SUCCESS', 'PARTIAL', 'FAILED');

CREATE TABLE "channel" (
  "id" SERIAL PRIMARY KEY,
  "name" TEXT NOT NULL UNIQUE,
  "connection_id" TEXT NOT NULL,
  "connection_active" BOOLEAN NOT NULL DEFAULT true,
  "active" BOOLEAN NOT NULL DEFAULT true,
  "source" JSONB NOT NULL,
  "target" JSONB NOT NULL,
  "mapping" JSONB NOT NULL,
  "options" JSONB NOT NULL,
  "sync_frequency_sec" INTEGER NOT NULL DEFAULT 60,
  "group_timestamp" TEXT,
  "attribute_sync_timestamp" TEXT,
  "last_full_sync_at" TIMESTAMP(3),
  "last_cycle_at" TIMESTAMP(3),
  "last_cycle_status" "CycleStatus",
  "last_cycle_message" TEXT,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);

CREATE TABLE "user_record" (
  "id" BIGSERIAL PRIMARY KEY,
  "channel_id" INTEGER NOT NULL REFERENCES "channel"("id") ON DELETE CASCADE,
  "guid" TEXT NOT NULL,
  "dn" TEXT NOT NULL,
  "provider_name" TEXT,
  "scim_id" TEXT,
  "values_hash" TEXT,
  "ldap_timestamp" TEXT,
  "source_state" "SourceState" NOT NULL DEFAULT 'IN_SCOPE',
  "target_state" "TargetState" NOT NULL DEFAULT 'ABSENT',
  "dirty" BOOLEAN NOT NULL DEFAULT false,
  "pending_action" "RecordAction" NOT NULL DEFAULT 'NONE',
  "pending_values" JSONB,
  "pending_hash" TEXT,
  "pushed_values" JSONB,
  "ldap_attributes" JSONB,
  "last_error" TEXT,
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "last_attempt_at" TIMESTAMP(3),
  "last_synced_at" TIMESTAMP(3),
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "user_record_channel_id_guid_key" ON "user_record"("channel_id", "guid");
CREATE INDEX "user_record_channel_id_provider_name_idx" ON "user_record"("channel_id", "provider_name");
CREATE INDEX "user_record_channel_id_dirty_idx" ON "user_record"("channel_id", "dirty");
-- group members are resolved by DN, case-insensitively
CREATE INDEX "user_record_channel_id_lower_dn_idx" ON "user_record"("channel_id", lower("dn"));

CREATE TABLE "group_record" (
  "id" BIGSERIAL PRIMARY KEY,
  "channel_id" INTEGER NOT NULL REFERENCES "channel"("id") ON DELETE CASCADE,
  "guid" TEXT NOT NULL,
  "dn" TEXT NOT NULL,
  "provider_name" TEXT,
  "scim_id" TEXT,
  "values_hash" TEXT,
  "ldap_timestamp" TEXT,
  "source_state" "SourceState" NOT NULL DEFAULT 'IN_SCOPE',
  "target_state" "TargetState" NOT NULL DEFAULT 'ABSENT',
  "dirty" BOOLEAN NOT NULL DEFAULT false,
  "pending_action" "RecordAction" NOT NULL DEFAULT 'NONE',
  "pending_values" JSONB,
  "pending_hash" TEXT,
  "pushed_values" JSONB,
  "member_dns" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
  "ldap_attributes" JSONB,
  "resync_members" BOOLEAN NOT NULL DEFAULT true,
  "last_error" TEXT,
  "attempts" INTEGER NOT NULL DEFAULT 0,
  "last_attempt_at" TIMESTAMP(3),
  "last_synced_at" TIMESTAMP(3),
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE UNIQUE INDEX "group_record_channel_id_guid_key" ON "group_record"("channel_id", "guid");
CREATE INDEX "group_record_channel_id_provider_name_idx" ON "group_record"("channel_id", "provider_name");
CREATE INDEX "group_record_channel_id_dirty_idx" ON "group_record"("channel_id", "dirty");
-- "which groups name this user?" when a user's provisioning state changes
CREATE INDEX "group_record_member_dns_idx" ON "group_record" USING GIN ("member_dns");

CREATE TABLE "group_member" (
  "group_id" BIGINT NOT NULL REFERENCES "group_record"("id") ON DELETE CASCADE,
  "user_id" BIGINT NOT NULL REFERENCES "user_record"("id") ON DELETE CASCADE,
  PRIMARY KEY ("group_id", "user_id")
);
CREATE INDEX "group_member_user_id_idx" ON "group_member"("user_id");

CREATE TABLE "cycle" (
  "id" BIGSERIAL PRIMARY KEY,
  "channel_id" INTEGER NOT NULL REFERENCES "channel"("id") ON DELETE CASCADE,
  "node_id" INTEGER,
  "kind" TEXT NOT NULL,
  "status" "CycleStatus" NOT NULL,
  "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "finished_at" TIMESTAMP(3),
  "stats" JSONB,
  "message" TEXT
);
CREATE INDEX "cycle_channel_id_started_at_idx" ON "cycle"("channel_id", "started_at");

CREATE TABLE "node" (
  "id" INTEGER PRIMARY KEY,
  "hostname" TEXT NOT NULL,
  "pid" INTEGER,
  "mode" "NodeMode" NOT NULL DEFAULT 'ACTIVE',
  "status" TEXT NOT NULL DEFAULT 'STARTING',
  "last_heartbeat" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "started_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "version" TEXT,
  "worker_id" TEXT
);

CREATE TABLE "audit_log" (
  "id" BIGSERIAL PRIMARY KEY,
  "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "actor" TEXT NOT NULL,
  "via" TEXT NOT NULL,
  "channel_id" INTEGER,
  "action" TEXT NOT NULL,
  "details" JSONB
);
CREATE INDEX "audit_log_channel_id_at_idx" ON "audit_log"("channel_id", "at");
