-- The provisioning log (lib/provisioning-log): every request Ferry sends to a SCIM
-- target, with its record, action, status, duration and (redacted, truncated) bodies.
-- Partitioned by day: retention drops whole partitions (cheap), never DELETEs rows.
-- Partitions are created by the writer as days begin (ensure_partition below); the
-- default partition catches a row whose day has none yet. Not in schema.prisma: it is
-- read and written with SQL only (Prisma does not model partitioned tables).
CREATE TABLE "provisioning_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "channel_id" INTEGER NOT NULL,
    "node_id" INTEGER,
    "cycle_id" BIGINT,
    "record_kind" TEXT,
    "record_id" BIGINT,
    "record_name" TEXT,
    "record_guid" TEXT,
    "action" TEXT NOT NULL,
    "method" TEXT NOT NULL,
    "path" TEXT NOT NULL,
    "status" INTEGER NOT NULL,
    "duration_ms" INTEGER NOT NULL,
    "attempt" INTEGER NOT NULL DEFAULT 1,
    "error" TEXT,
    "request_body" TEXT,
    "response_body" TEXT,
    CONSTRAINT "provisioning_log_pkey" PRIMARY KEY ("at", "id")
) PARTITION BY RANGE ("at");
CREATE TABLE "provisioning_log_default" PARTITION OF "provisioning_log" DEFAULT;
CREATE INDEX "provisioning_log_channel_at_idx" ON "provisioning_log" ("channel_id", "at" DESC, "id" DESC);
CREATE INDEX "provisioning_log_record_idx" ON "provisioning_log" ("channel_id", "record_kind", "record_id", "at" DESC);
CREATE INDEX "provisioning_log_cycle_idx" ON "provisioning_log" ("cycle_id");
