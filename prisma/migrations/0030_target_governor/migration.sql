-- The shared rate governor (lib/governor): one row per target host (scheme://host:port),
-- shared by every channel and every node sending to it. Rate limiting is GCRA (the
-- generic cell rate algorithm): "tat" is the theoretical arrival time of the next
-- request, and a process reserves a chunk of slots with one UPDATE ... RETURNING
-- (lib/governor/reserve-slots.ts). A 429 sets "paused_until" and multiplies "factor"
-- down (AIMD); the factor recovers linearly from "decreased_at", computed when read, so
-- recovery costs no writes. Read and written with SQL only, like provisioning_log.
CREATE TABLE "target_governor" (
    "host" TEXT NOT NULL,
    "tat" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "write_tat" TIMESTAMPTZ NOT NULL DEFAULT now(),
    "factor" DOUBLE PRECISION NOT NULL DEFAULT 1,
    "decreased_at" TIMESTAMPTZ NOT NULL DEFAULT '1970-01-01',
    "paused_until" TIMESTAMPTZ,
    "requests_per_second" DOUBLE PRECISION,
    "writes_per_minute" DOUBLE PRECISION,
    "throttled_total" BIGINT NOT NULL DEFAULT 0,
    "throttled_window_start" TIMESTAMPTZ,
    "throttled_in_window" INTEGER NOT NULL DEFAULT 0,
    "last_throttled_at" TIMESTAMPTZ,
    "last_retry_after_ms" INTEGER,
    "updated_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT "target_governor_pkey" PRIMARY KEY ("host")
);
