-- The console's search over user records (lib/channels/list-records.ts: a substring of the
-- name, the DN or the GUID) scanned every record of the channel: fine at 100,000, not at a
-- million. A trigram index over the three, as one expression, serves "ILIKE '%…%'" (three
-- characters or more); the query keeps its exact per-column test beside it. One index
-- rather than one per column: each written record updates one GIN entry list, not three
-- (the write cost is measured by `npm run bench -- --seed-store`, see docs/scaling.md).
-- pg_trgm is a trusted extension (PostgreSQL 13+): the database's owner may create it.
-- Where it cannot be created (no contrib package, a role without the right), the search
-- works as before, by scanning, and this migration still applies.
DO $$
BEGIN
  CREATE EXTENSION IF NOT EXISTS pg_trgm;
EXCEPTION WHEN OTHERS THEN
  RAISE NOTICE 'pg_trgm cannot be created (%): the console search scans the records', SQLERRM;
END
$$;

DO $$
BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    CREATE INDEX "user_record_search_trgm_idx" ON "user_record"
      USING gin ((coalesce("provider_name", '') || ' ' || "dn" || ' ' || "guid") gin_trgm_ops);
  END IF;
END
$$;
