-- Ferry store, version 2: the web console. Mirrors the console models at the end of
-- prisma/schema.prisma (ConsoleUser, ConsoleSession, ApiToken, LoginAttempt).
CREATE TYPE "ConsoleRole" AS ENUM ('ADMIN', 'OPERATOR', 'VIEWER');

CREATE TABLE "console_user" (
  "id" SERIAL PRIMARY KEY,
  "username" TEXT NOT NULL UNIQUE,
  "display_name" TEXT NOT NULL,
  "role" "ConsoleRole" NOT NULL,
  "password_hash" TEXT NOT NULL,
  "disabled" BOOLEAN NOT NULL DEFAULT false,
  "must_change_password" BOOLEAN NOT NULL DEFAULT false,
  "created_by" TEXT,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "last_login_at" TIMESTAMP(3),
  "password_changed_at" TIMESTAMP(3)
);

CREATE TABLE "console_session" (
  "id_hash" TEXT PRIMARY KEY,
  "user_id" INTEGER NOT NULL REFERENCES "console_user"("id") ON DELETE CASCADE,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "last_seen_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expires_at" TIMESTAMP(3) NOT NULL,
  "revoked_at" TIMESTAMP(3),
  "ip" TEXT,
  "user_agent" TEXT
);
CREATE INDEX "console_session_user_id_idx" ON "console_session"("user_id");

CREATE TABLE "api_token" (
  "id" SERIAL PRIMARY KEY,
  "name" TEXT NOT NULL,
  "prefix" TEXT NOT NULL,
  "token_hash" TEXT NOT NULL UNIQUE,
  "role" "ConsoleRole" NOT NULL,
  "created_by" TEXT NOT NULL,
  "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
  "expires_at" TIMESTAMP(3),
  "last_used_at" TIMESTAMP(3),
  "revoked_at" TIMESTAMP(3),
  "revoked_by" TEXT
);

CREATE TABLE "login_attempt" (
  "id" BIGSERIAL PRIMARY KEY,
  "username" TEXT NOT NULL,
  "ip" TEXT,
  "success" BOOLEAN NOT NULL,
  "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX "login_attempt_username_at_idx" ON "login_attempt"("username", "at");
CREATE INDEX "login_attempt_ip_at_idx" ON "login_attempt"("ip", "at");

-- The console's record lists page by (provider_name, id) on the existing
-- (channel_id, provider_name) indexes; "failing" (records with an error) is rare among
-- 100,000 records, so it gets partial indexes that cost nothing for healthy rows.
CREATE INDEX "user_record_failing_idx" ON "user_record"("channel_id", "provider_name", "id") WHERE "last_error" IS NOT NULL;
CREATE INDEX "group_record_failing_idx" ON "group_record"("channel_id", "provider_name", "id") WHERE "last_error" IS NOT NULL;
-- the audit page filters by actor, newest first
CREATE INDEX "audit_log_actor_id_idx" ON "audit_log"("actor", "id");
