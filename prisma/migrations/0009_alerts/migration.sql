-- Alerts (lib/alerts): where a channel's change of health is sent (a webhook, e-mail),
-- and every delivery with its outcome. A delivery is written before it is sent (an
-- outbox): a worker that stops mid-send sends it after its restart, and a flapping
-- channel's repeats within a destination's quiet period are kept as SUPPRESSED.
CREATE TABLE "alert_destination" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "enabled" BOOLEAN NOT NULL DEFAULT true,
    "events" TEXT[] NOT NULL DEFAULT ARRAY[]::TEXT[],
    "channel_ids" INTEGER[] NOT NULL DEFAULT ARRAY[]::INTEGER[],
    "quiet_minutes" INTEGER NOT NULL DEFAULT 30,
    "config" JSONB NOT NULL,
    "created_by" TEXT NOT NULL,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "alert_destination_pkey" PRIMARY KEY ("id")
);

CREATE TABLE "alert_delivery" (
    "id" BIGSERIAL NOT NULL,
    "destination_id" INTEGER NOT NULL,
    "channel_id" INTEGER,
    "event" TEXT NOT NULL,
    "payload" JSONB NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'PENDING',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "last_error" TEXT,
    "created_at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at" TIMESTAMP(3),
    CONSTRAINT "alert_delivery_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alert_delivery_destination_id_channel_id_event_created_at_idx" ON "alert_delivery"("destination_id", "channel_id", "event", "created_at");
CREATE INDEX "alert_delivery_created_at_idx" ON "alert_delivery"("created_at");
ALTER TABLE "alert_delivery" ADD CONSTRAINT "alert_delivery_destination_id_fkey" FOREIGN KEY ("destination_id") REFERENCES "alert_destination"("id") ON DELETE CASCADE ON UPDATE CASCADE;
