-- A cycle whose process died (killed, crashed, declared dead, or whose lease ran out and
-- was taken over) ends as ABORTED with the reason in its message, instead of staying
-- RUNNING for ever. Set by lib/sync/abort-cycles.ts.
ALTER TYPE "CycleStatus" ADD VALUE 'ABORTED';
-- the few RUNNING cycles, found without reading a channel's whole history
CREATE INDEX "cycle_running_idx" ON "cycle"("channel_id") WHERE "status" = 'RUNNING';
