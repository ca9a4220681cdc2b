-- A fingerprint of each user's DN and LDAP attributes as last read (lib/ldap/fingerprint.ts).
-- A full read sends the fingerprints of the entries it reads and the database leaves out the
-- records that hold the same one (with the same timestamp and state): the read then maps
-- and hashes only what changed. Records from before have none and are looked at once.
ALTER TABLE user_record ADD COLUMN attrs_fp TEXT;
