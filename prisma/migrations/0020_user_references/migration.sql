-- The DNs a user's mapping refers to (a `reference` mapping value, such as the enterprise
-- extension's manager): when the user they name gains or loses its SCIM id, the users
-- referring to it are found by this column and pushed again (lib/records/user-references.ts).
ALTER TABLE "user_record" ADD COLUMN "reference_dns" TEXT[] NOT NULL DEFAULT '{}';
CREATE INDEX "user_record_reference_dns_idx" ON "user_record" USING GIN ("reference_dns");
